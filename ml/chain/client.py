"""A transaction-safe client: every transaction is dry-run first (a revert becomes a one-line
`ChainError` and nothing is sent), checked against the sender's balance, sent with a nonce this
client tracks per account, retried when dropped or underpriced, and awaited to its receipt."""

from __future__ import annotations

from dataclasses import dataclass, field

from ape.exceptions import ApeException, ContractLogicError, TransactionError

from ml.chain.errors import ChainError, describe_revert

#: Messages of nodes that refused a transaction for its fee or nonce, not for what it does.
UNDERPRICED = ("underpriced", "fee too low", "max fee per gas less than block base fee")
NONCE_TAKEN = ("nonce too low", "already known", "nonce has already been used")


def wei_to_eth(wei: int) -> str:
    """`wei` as ETH with up to 6 decimals, for messages (amounts under 1e12 wei in wei)."""
    if 0 < wei < 10**12:
        return f"{wei} wei"
    return f"{wei / 10**18:.6f}".rstrip("0").rstrip(".") + " ETH"


def _estimate_gas(web3, transaction: dict) -> int:
    from web3.exceptions import Web3RPCError

    try:
        return web3.eth.estimate_gas(transaction, "pending")
    except Web3RPCError as err:
        if "not been implemented" not in str(err):  # eth-tester: no block argument
            raise
    return web3.eth.estimate_gas(transaction)


@dataclass
class Client:
    """Sends and calls on behalf of several accounts.

    contracts: those whose custom errors may appear in a revert (the trainer and its model),
    used to decode it. attempts: sends per transaction before giving up on fee or nonce
    refusals and dropped transactions; each retry raises the fees by `fee_bump`.
    """

    contracts: list = field(default_factory=list)
    attempts: int = 3
    fee_bump: float = 1.25
    _nonces: dict = field(default_factory=dict)

    def call(self, method, *args, **kwargs):
        """A view call; a revert becomes a ChainError."""
        try:
            return method(*args, **kwargs)
        except ContractLogicError as err:
            raise ChainError(describe_revert(err, self.contracts)) from err

    def preflight(self, method, *args, sender, value: int = 0) -> int:
        """The gas `method(*args)` would use, from a dry run; raises ChainError (sending
        nothing) if it would revert or if the sender cannot pay for it."""
        from ape import chain
        from web3.exceptions import Web3RPCError

        if sender.balance < value:
            raise ChainError(
                f"insufficient balance: {sender.address} holds {wei_to_eth(sender.balance)} "
                f"and this transaction sends {wei_to_eth(value)}"
            )
        transaction = {
            "from": sender.address,
            "to": method.contract.address,
            "value": value,
            "data": "0x" + bytes(method.encode_input(*args)).hex(),
        }
        # web3 directly (ape would print a call trace for an expected revert), at the pending
        # block: the one the transaction goes into (a local chain's latest may be old).
        try:
            gas = _estimate_gas(chain.provider.web3, transaction)
        except Web3RPCError as err:  # not a revert: e.g. funds for gas
            message = err.rpc_response.get("error", {}).get("message") if err.rpc_response else None
            raise ChainError(f"the node refused the dry run: {message or err}") from err
        except Exception as err:  # a revert, in the form of web3 or of eth-tester
            raise ChainError(describe_revert(err, self.contracts)) from err
        price = chain.provider.gas_price
        needed = value + gas * price
        if sender.balance < needed:
            raise ChainError(
                f"insufficient balance: {sender.address} holds {wei_to_eth(sender.balance)}, "
                f"this transaction needs about {wei_to_eth(needed)} (value and gas)"
            )
        return gas

    def send(self, method, *args, sender, value: int = 0):
        """Sends `method(*args)` from `sender` with `value` wei and returns its receipt."""
        from ape import chain

        gas = self.preflight(method, *args, sender=sender, value=value)
        # Headroom, since unused gas is not charged: the state may move between the dry run and
        # inclusion and make the transaction write a fresh storage slot (22,100 gas) and an
        # event, e.g. a deposit that fell meanwhile leaves an overpayment to credit.
        options = {"gas_limit": gas + gas // 4 + 30_000}
        for attempt in range(1, self.attempts + 1):
            nonce = self._next_nonce(sender)
            try:
                receipt = method(*args, sender=sender, value=value, nonce=nonce, **options)
            except ContractLogicError as err:  # the state moved between dry run and send
                self._nonces.pop(sender.address, None)
                raise ChainError(describe_revert(err, self.contracts)) from err
            except (TransactionError, ApeException) as err:
                message = str(err).lower()
                if attempt < self.attempts and any(m in message for m in UNDERPRICED):
                    options.update(self._bumped_fees(options, chain.provider))
                    continue
                if attempt < self.attempts and any(m in message for m in NONCE_TAKEN):
                    self._nonces.pop(sender.address, None)  # re-read from the chain
                    continue
                if attempt < self.attempts and "not found" in message:  # dropped: send again
                    options.update(self._bumped_fees(options, chain.provider))
                    continue
                raise ChainError(f"transaction failed: {str(err).splitlines()[0]}") from err
            self._nonces[sender.address] = nonce + 1
            if getattr(receipt, "failed", False):
                raise ChainError(f"transaction {receipt.txn_hash} reverted")
            return receipt
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _next_nonce(self, sender) -> int:
        """The larger of the chain's count and ours, so that transactions sent in a row by one
        account never reuse a nonce while the node catches up, nor skip one."""
        on_chain = sender.nonce
        return max(on_chain, self._nonces.get(sender.address, on_chain))

    def _bumped_fees(self, options: dict, provider) -> dict:
        base = options.get("max_fee") or provider.gas_price
        tip = options.get("max_priority_fee") or provider.priority_fee
        return {
            "max_fee": int(base * self.fee_bump) + 1,
            "max_priority_fee": int(tip * self.fee_bump) + 1,
        }
