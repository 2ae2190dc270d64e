"""`ape run deploy`: train an initial model off chain, deploy it in chunks with its trainer,
and write the deployment manifest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ml import mechanisms, pipeline
from ml import test_set as test_sets
from ml.artifacts.kinds import dataset_manifest
from ml.artifacts.store import open_store
from ml.chain import wei_to_eth
from ml.commands.common import (
    LOCAL,
    MANIFEST_VERSION,
    Deployed,
    Duration,
    account_option,
    connected,
    ipfs_option,
    is_local,
    load_account,
    network_option,
    one_line_errors,
    option_name,
    pack,
    store_option,
    write_manifest,
)
from ml.datasets import load_text_csv
from ml.durations import format_duration
from ml.errors import DatasetNotFound, InvalidSample

DEFAULT_TEST_SHARE = 0.2


def _default_text(parameter: mechanisms.Parameter) -> str:
    if parameter.unit != "seconds":
        return f"{parameter.default:g}" if parameter.default < 10**6 else f"{parameter.default:.0e}"
    return format_duration(parameter.default)


def mechanism_options(command):
    """One option per mechanism parameter in the registry (`ml.mechanisms`), saying which
    mechanisms take it; left out, the mechanism's default applies."""
    for parameter in reversed(list(mechanisms.all_parameters().values())):
        if not parameter.option:
            continue
        takers = [m.kind for m in mechanisms.MECHANISMS.values() if parameter in m.parameters]
        scope = "" if len(takers) == len(mechanisms.MECHANISMS) else f"{', '.join(takers)}: "
        command = click.option(
            option_name(parameter.name),
            parameter.name,
            type=Duration() if parameter.unit == "seconds" else click.IntRange(0),
            default=None,
            help=f"{scope}{parameter.help[0].lower() if scope else parameter.help[0]}"
            f"{parameter.help[1:]} [default: {_default_text(parameter)}]",
        )(command)
    return command


@click.command()
@click.option(
    "--model",
    "model_kind",
    type=click.Choice(pipeline.MODELS),
    default=None,
    help=f"The on-chain model. Default: {pipeline.DEFAULT_TEXT_MODEL} for texts (honest data "
    f"does not lower its accuracy: docs/learning-rules.md), {pipeline.DEFAULT_NUMERIC_MODEL} "
    "for numeric datasets.",
)
@click.option(
    "--mechanism",
    type=click.Choice(list(mechanisms.MECHANISMS)),
    default=mechanisms.DEFAULT,
    show_default=True,
    help="The incentive mechanism: "
    + "; ".join(f"{m.kind}: {m.summary}" for m in mechanisms.MECHANISMS.values())
    + ".",
)
@click.option(
    "--dataset",
    default=pipeline.REVIEWS,
    show_default=True,
    help=f"{pipeline.REVIEWS} (bundled short reviews), {pipeline.SMS_SPAM} (bundled UCI SMS "
    f"spam), {', '.join(pipeline.NUMERIC)}, or a labelled-text CSV file.",
)
@click.option("--text-column", default=None, help="CSV column of the texts (default: guessed).")
@click.option("--label-column", default=None, help="CSV column of the labels (default: guessed).")
@click.option(
    "--encoder",
    "encoder_kind",
    type=click.Choice(pipeline.ENCODERS),
    default=None,
    help="Default: vocabulary for sparse models, embedding for dense models on texts; "
    "binary for sparse models, dense for dense models on numeric datasets.",
)
@click.option(
    "--features",
    type=click.IntRange(1),
    default=None,
    help="Vocabulary size, hashed features or embedding dimensions.",
)
@click.option(
    "--initial-share",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.3,
    show_default=True,
    help="Share of the data that trains the model off chain before deployment.",
)
@click.option(
    "--test-share",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help=f"Share of the data kept for testing [default: {DEFAULT_TEST_SHARE}]; for a "
    "prediction market, the share held out as its hidden test set (never trained on, and not "
    "used by `ape run status` until revealed).",
)
@click.option(
    "--test-set",
    "test_set_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="prediction-market: a labelled-text CSV of the hidden test set instead of "
    "--test-share (encoded with the deployment's encoder; at most "
    f"{test_sets.MAX_SIZE} encodable rows).",
)
@click.option(
    "--reward",
    type=click.IntRange(0),
    default=None,
    help="prediction-market: the reward pool in wei, sent with the deployment.",
)
@click.option(
    "--test-set-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="prediction-market: where the secret test-set file goes, for `ape run reveal` "
    "[default: beside the manifest, <manifest>.test-set.json].",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the split.")
@mechanism_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("deployment.json"),
    show_default=True,
    help="Manifest to write.",
)
@click.option(
    "--teacher",
    "teacher_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Distil: a federated line's manifest (federated.json) whose global model labels the "
    "initial part (the line's dataset and seed).",
)
@click.option("--yes", is_flag=True, help="Do not ask before spending on a non-local network.")
@click.option(
    "--register",
    is_flag=True,
    help="Also publish version 1 of a new registry line (`ape run publish`, with --ipfs/--store).",
)
@ipfs_option
@store_option
@network_option
@account_option
@one_line_errors
def cli(
    model_kind,
    mechanism,
    dataset,
    text_column,
    label_column,
    encoder_kind,
    features,
    initial_share,
    test_share,
    test_set_file,
    reward,
    test_set_out,
    seed,
    out,
    teacher_path,
    yes,
    register,
    ipfs,
    store_root,
    network,
    account,
    **parameters,
):
    """Train an initial model off chain, deploy it and its trainer, write a manifest."""
    kind = mechanisms.get(mechanism)
    _check_market_options(kind, test_share, test_set_file, reward, test_set_out)
    test_share = DEFAULT_TEST_SHARE if test_share is None else test_share
    source = pipeline.Source(dataset, seed, test_share, initial_share, text_column, label_column)
    try:
        pipeline.check_dataset(dataset)
    except DatasetNotFound as err:
        raise click.BadParameter(str(err), param_hint="--dataset") from None
    if teacher_path is not None:
        from dataclasses import replace

        from ml.commands.federated import teacher_of

        with connected(network) as provider:
            teacher = teacher_of(teacher_path, provider)
        source = replace(source, teacher=teacher.to_dict())
        click.echo(
            f"Teacher: line {teacher.line}'s global model {teacher.model} after round "
            f"{teacher.round} labels the initial part"
        )
    model_kind = model_kind or pipeline.default_model(source)
    given = {name: value for name, value in parameters.items() if value is not None}
    trainer_parameters = kind.parameters_from(given, strict=True, spell=option_name)
    encoder = pipeline.make_encoder(
        encoder_kind or pipeline.default_encoder(source, model_kind), source, model_kind, features
    )
    parts = pipeline.load(source)
    dataset_hash = dataset_manifest(source).hash()
    click.echo(
        f"Data: {dataset}: {len(parts.initial)} initial, {len(parts.train)} for contributors, "
        f"{len(parts.test)} test samples; classes {', '.join(parts.class_names)}"
    )
    encoded = pipeline.encode(encoder, parts)
    trained = pipeline.train(model_kind, encoded)
    model = trained.mirror
    click.echo(
        f"Trained off chain ({encoder.kind} encoder, {encoder.num_features} features): "
        f"{trained.summary()}"
    )
    market = None
    if kind.takes_test_set:
        test_set_out = test_set_out or out.with_name(out.stem + ".test-set.json")
        test_set = _hidden_test_set(encoded, encoder, model, test_set_file)
        # Before anything is sent: a provider without this file cannot reveal, and forfeits.
        test_set_out.parent.mkdir(parents=True, exist_ok=True)
        test_set.save(test_set_out)
        test_set_out.chmod(0o600)
        market = {"test_set": test_set, "reward": reward, "file": test_set_out}
        click.echo(
            f"Hidden test set: {len(test_set)} samples "
            f"({test_set_file or 'the dataset test part'}), root 0x{test_set.root.hex()}; "
            f"secret file {test_set_out} (keep it until `ape run reveal`)"
        )

    with connected(network) as provider:
        owner = load_account(account, provider)
        if not is_local(provider) and not yes:
            chunks = sum(1 for _ in model.chunks())
            click.confirm(
                f"Deploy to {provider.network_choice} from {owner.address}: {chunks + 4} "
                "transactions"
                + (f" and a reward pool of {wei_to_eth(reward)}" if market else "")
                + ", paid by this account. Continue?",
                abort=True,
            )
        manifest = _deploy(
            trained,
            encoder,
            source,
            dataset_hash,
            owner,
            provider,
            mechanism,
            trainer_parameters,
            market,
            out,
        )
        write_manifest(out, manifest)
        if register:
            from ml.commands.publish import publish

            store = open_store(ipfs, root=store_root)
            published = publish(
                Deployed(manifest, provider), out, owner, provider, store, None, None, None
            )
            click.echo(
                f"Version {published.version} registered ({published.accuracy_ppm / 1e4:.2f}%)"
            )
    total = sum(t["gas_used"] for t in manifest["transactions"])
    click.echo(f"{len(manifest['transactions'])} transactions, {total:,} gas in all")
    click.echo(f"Trainer {manifest['trainer']['address']}, model {manifest['model']['address']}")
    click.echo(f"Encoder spec hash {manifest['encoder']['hash']} recorded by the trainer")
    click.echo(f"Manifest written to {out}")


def _check_market_options(kind, test_share, test_set_file, reward, test_set_out) -> None:
    """The test-set and reward options go with a mechanism that takes a test set, and such a
    mechanism needs them: one line naming the option otherwise, before any work."""
    takers = ", ".join(m.kind for m in mechanisms.MECHANISMS.values() if m.takes_test_set)
    if not kind.takes_test_set:
        for name, value in (
            ("--test-set", test_set_file),
            ("--reward", reward),
            ("--test-set-out", test_set_out),
        ):
            if value is not None:
                raise click.UsageError(f"{name} applies only to {takers}, not to {kind.kind}")
        return
    if (test_share is None) == (test_set_file is None):
        raise click.UsageError(
            f"{kind.kind} commits to a hidden test set: give either --test-set FILE or "
            "--test-share X" + (", not both" if test_set_file else "")
        )
    if not reward:
        raise click.UsageError(
            f"{kind.kind} needs a reward pool: pass --reward WEI (positive; e.g. 10000000000000000 "
            "for 0.01 ETH)"
        )


def _hidden_test_set(encoded, encoder, model, test_set_file) -> test_sets.TestSet:
    """The market's test set: the encoded test part of the dataset, or the rows of
    `test_set_file` the encoder can encode (labels matched to the model's classes by name)."""
    if test_set_file is None:
        samples, labels = encoded.test, list(encoded.y_test)
        where = "lower --test-share"
    else:
        rows = load_text_csv(test_set_file, test_size=0.5, initial_size=0)  # every row
        samples, labels = [], []
        texts, ys = rows.texts_train + rows.texts_test, [*rows.y_train, *rows.y_test]
        for raw, y in zip(texts, ys, strict=True):
            name = rows.class_names[y]
            if name not in model.classes_:
                raise click.BadParameter(
                    f"label {name!r} is not a class of the model ({', '.join(model.classes_)})",
                    param_hint="--test-set",
                )
            try:
                samples.append(encoder.encode(raw))
            except InvalidSample:
                continue
            labels.append(list(model.classes_).index(name))
        where = "use a smaller --test-set file"
    if len(samples) > test_sets.MAX_SIZE or not samples:
        raise click.UsageError(
            f"the hidden test set has {len(samples)} encodable samples; a market takes 1 to "
            f"{test_sets.MAX_SIZE}: {where}"
        )
    packed = [pack(sample, model.sparse, encoder) for sample in samples]
    return test_sets.TestSet.make(packed, labels)


def _deploy(
    trained,
    encoder,
    source,
    dataset_hash: str,
    owner,
    provider,
    mechanism: str,
    parameters: dict,
    market,
    out,
) -> dict:
    from ape import chain

    from ml.deploy import deploy_model, deploy_trainer

    transactions = []

    def record(name, receipt):
        transactions.append(
            {
                "name": name,
                "hash": receipt.txn_hash,
                "block": receipt.block_number,
                "gas_used": receipt.gas_used,
            }
        )
        click.echo(f"  {name:<24} gas {receipt.gas_used:>10,}  tx {receipt.txn_hash}")

    model = trained.mirror
    start_block = chain.blocks.head.number + 1
    deployed_model = deploy_model(model, owner)
    names = ["model constructor"] + [f"model chunk {i}" for i, _ in model.chunks()] + ["finalize"]
    for name, receipt in zip(names, deployed_model.receipts, strict=True):
        record(name, receipt)
    trainer = deploy_trainer(
        deployed_model.contract,
        owner,
        mechanism=mechanism,
        encoder_spec_hash=encoder.spec_hash(),
        dataset_manifest_hash=dataset_hash,
        test_set=market and market["test_set"],
        reward=market["reward"] if market else 0,
        **parameters,
    )
    for name, receipt in zip(
        ["trainer constructor", "hand model to trainer"], trainer.receipts, strict=True
    ):
        record(name, receipt)
    return {
        "version": MANIFEST_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "network": LOCAL if is_local(provider) else provider.network_choice,
        "chain_id": chain.chain_id,
        "deployer": owner.address,
        "start_block": start_block,
        "model": {
            "kind": model.kind,
            "contract": model.contract_name,
            "address": deployed_model.contract.address,
            "sparse": model.sparse,
            "num_features": model.num_features,
            "num_classes": model.num_classes,
            "float_accuracy": trained.float_accuracy,
            "initial_accuracy": trained.quantised_accuracy,
        },
        "trainer": {
            "mechanism": mechanism,
            "contract": mechanisms.get(mechanism).contract_name,
            "address": trainer.contract.address,
            "reputation": trainer.contract.reputation(),
            "parameters": trainer.parameters,
            **(_market_entry(market, out) if market else {}),
        },
        "class_names": list(model.classes_),
        "encoder": {"hash": encoder.spec_hash(), "spec": encoder.to_spec()},
        "dataset": source.to_dict(),
        "dataset_manifest_hash": dataset_hash,
        "transactions": transactions,
    }


def _market_entry(market: dict, out: Path) -> dict:
    """The manifest's record of a market: its commitment, its pool, and where the provider's
    secret file is (relative to the manifest when beside it); never the leaves themselves."""
    test_set, file = market["test_set"], market["file"].resolve()
    if file.is_relative_to(out.resolve().parent):
        file = file.relative_to(out.resolve().parent)
    return {
        "reward": market["reward"],
        "test_set": {"root": "0x" + test_set.root.hex(), "size": len(test_set), "file": str(file)},
    }
