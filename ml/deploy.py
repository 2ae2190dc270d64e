"""Deploying a mirror's state to the chain: constructor, initialisation chunks, finalisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml.models.base import OnChainModel


@dataclass
class Deployment:
    """A deployed model and every transaction it took."""

    contract: object
    receipts: list = field(default_factory=list)

    @property
    def gas_used(self) -> int:
        return sum(r.gas_used for r in self.receipts)

    @property
    def transactions(self) -> int:
        return len(self.receipts)


def deploy_model(model: OnChainModel, owner, *, project=None, finalize: bool = True) -> Deployment:
    """Deploys `model` as its contract owned by `owner`: the constructor, one transaction per
    non-zero chunk of parameter words (each at most 256 words, ~6M gas), then `finalize`."""
    from ape import chain
    from ape import project as ape_project

    contract_type = getattr(project or ape_project, model.contract_name)
    contract = owner.deploy(contract_type, *model.constructor_args(owner))
    deployment = Deployment(contract, [chain.get_receipt(contract.txn_hash)])
    for index, words in model.chunks():
        deployment.receipts.append(contract.initializeChunk(index, words, sender=owner))
    if finalize:
        deployment.receipts.append(contract.finalize(sender=owner))
    return deployment
