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


def deploy_trainer(
    model_contract,
    owner,
    *,
    mechanism: str = "deposit-refund-take",
    cost_weight: int = 10**15,
    refund_wait: int = 86_400,
    any_address_wait: int = 9 * 86_400,
    commit_reveal_window: int = 0,
    encoder_spec_hash: bytes | str = bytes(32),
    project=None,
) -> Deployment:
    """Deploys a trainer for a finalised model and hands it the model's ownership.

    mechanism: "deposit-refund-take" (DepositRefundTakeTrainer) or "points" (PointsTrainer).
    Waits are in seconds; cost_weight in wei; commit_reveal_window 0 turns commit-reveal off;
    encoder_spec_hash is `Encoder.spec_hash()` (32 zero bytes: no encoder recorded).
    """
    from ape import chain
    from ape import project as ape_project

    project = project or ape_project
    if mechanism == "deposit-refund-take":
        args = [model_contract, cost_weight, refund_wait, any_address_wait, commit_reveal_window]
        trainer = owner.deploy(project.DepositRefundTakeTrainer, *args, encoder_spec_hash)
    elif mechanism == "points":
        trainer = owner.deploy(
            project.PointsTrainer,
            model_contract,
            refund_wait,
            commit_reveal_window,
            encoder_spec_hash,
        )
    else:
        raise ValueError(f"unknown mechanism {mechanism!r}: deposit-refund-take or points")
    deployment = Deployment(trainer, [chain.get_receipt(trainer.txn_hash)])
    deployment.receipts.append(model_contract.transferOwnership(trainer, sender=owner))
    return deployment
