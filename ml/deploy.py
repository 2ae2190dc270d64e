"""Deploying a mirror's state to the chain: constructor, initialisation chunks, finalisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from ml import mechanisms
from ml.mechanisms import DEFAULT as DEFAULT_MECHANISM
from ml.models.base import OnChainModel


@dataclass
class Deployment:
    """A deployed contract and every transaction it took (for a trainer, also the parameters
    it was deployed with)."""

    contract: object
    receipts: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

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
    mechanism: str = DEFAULT_MECHANISM,
    encoder_spec_hash: bytes | str = bytes(32),
    dataset_manifest_hash: bytes | str = bytes(32),
    project=None,
    test_set=None,
    reward: int = 0,
    **parameters: int,
) -> Deployment:
    """Deploys the trainer of `mechanism` (a kind in `ml.mechanisms.MECHANISMS`) for a finalised
    model and hands it the model's ownership.

    parameters: the mechanism's deployment parameters (`Mechanism.parameters`: waits in seconds,
    cost_weight in wei, commit_reveal_window 0 for commit-reveal off); those left out take their
    defaults, those of other mechanisms are ignored, and values the contract would refuse raise
    a one-line MechanismError before anything is sent. encoder_spec_hash is
    `Encoder.spec_hash()` (32 zero bytes: no encoder recorded); dataset_manifest_hash is
    `DatasetManifest.hash()` (`ml.artifacts.kinds`; zero: none recorded). The deployment's
    `parameters` are the values used. A mechanism that takes a test set (the prediction
    market) commits to
    `test_set` (an `ml.test_set.TestSet`) and is funded with `reward` wei by `owner`, its
    provider.
    """
    from ape import chain
    from ape import project as ape_project

    kind = mechanisms.get(mechanism)
    values = kind.parameters_from(parameters)
    contract_type = getattr(project or ape_project, kind.contract_name)
    args = kind.constructor_args(
        model_contract,
        values,
        encoder_spec_hash,
        dataset_manifest_hash=dataset_manifest_hash,
        test_set=test_set,
    )
    if reward and not kind.takes_test_set:
        raise mechanisms.MechanismError(f"{kind.kind} takes no reward")
    trainer = owner.deploy(contract_type, *args, value=reward)
    deployment = Deployment(trainer, [chain.get_receipt(trainer.txn_hash)], values)
    deployment.receipts.append(model_contract.transferOwnership(trainer, sender=owner))
    return deployment
