"""Talking to the chain: a transaction-safe client, one-line errors, deployment manifests and
the persistent local chain the commands use by default."""

from ml.chain.client import Client, wei_to_eth
from ml.chain.errors import ChainError, decode_error, describe_revert, revert_data

__all__ = ["ChainError", "Client", "decode_error", "describe_revert", "revert_data", "wei_to_eth"]
