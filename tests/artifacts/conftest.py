"""The real IPFS node the artifact tests use (tests/ipfs_fixture.py)."""

from ipfs_fixture import ipfs_node  # noqa: F401
