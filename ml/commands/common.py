"""What the commands share: network and account options, connecting, the deployment manifest,
durations, and one-line errors."""

from __future__ import annotations

import functools
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import click

from ml import mechanisms
from ml.chain import local, wei_to_eth
from ml.durations import InvalidDuration, parse_duration
from ml.encoders import Encoder
from ml.errors import CollabMLError

LOCAL = "local"
MANIFEST_VERSION = 1

network_option = click.option(
    "--network",
    default=LOCAL,
    show_default=True,
    help="'local': a persistent anvil on this machine, started on first use (`ape run chain "
    "stop` stops it); or any ape network choice, e.g. ethereum:sepolia:node.",
)
account_option = click.option(
    "--account",
    default="0",
    show_default=True,
    help="A test account's index (local networks), or the alias of an ape account "
    "(`ape accounts list`).",
)
deployment_option = click.option(
    "--deployment",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("deployment.json"),
    show_default=True,
    help="The manifest `ape run deploy` wrote.",
)


#: Where the embedded artifact store keeps its files when no --ipfs node is given.
DEFAULT_STORE = Path(".artifacts")

ipfs_option = click.option(
    "--ipfs",
    "ipfs",
    metavar="URL",
    default=None,
    help="A running IPFS node's API, e.g. http://127.0.0.1:5001 [default: the embedded store, "
    "a directory of files named by CID: --store].",
)
store_option = click.option(
    "--store",
    "store_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_STORE,
    show_default=True,
    help="The embedded artifact store's directory (without --ipfs).",
)
#: Where a deployment's versions are: the manifest records both once `publish` has run.
registry_option = click.option(
    "--registry", default=None, help="A ModelRegistry's address [default: the manifest's]."
)
line_option = click.option(
    "--line",
    type=click.IntRange(1),
    default=None,
    help="A registry line [default: the manifest's]",
)


def one_line_errors(command):
    """Turns the errors a user can cause into click's one-line `Error: ...` and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from ape.exceptions import ApeException

        try:
            return command(*args, **kwargs)
        except click.UsageError as err:  # found after parsing: no usage text, just the line
            raise click.ClickException(err.format_message()) from err
        except (CollabMLError, ApeException, OSError) as err:
            raise click.ClickException(str(err).splitlines()[0] if str(err) else repr(err)) from err

    return wrapper


@contextmanager
def connected(network: str):
    """The provider of `network`, connected for the block ('local': the persistent anvil).
    A provider that is already connected to that network (as in tests) is used as it is."""
    from ape import networks
    from ape.exceptions import NetworkError

    choice = network
    if network == LOCAL:
        os.environ["APE_FOUNDRY_HOST"] = local.ensure()
        choice = "ethereum:local:foundry"
    active = networks.active_provider
    if active is not None and active.is_connected and active.network_choice == choice:
        yield active
        return
    try:
        context = networks.parse_network_choice(choice)
    except NetworkError as err:
        raise click.BadParameter(
            str(err).splitlines()[0].removesuffix(" Options:"), param_hint="--network"
        ) from err
    with context as provider:
        yield provider


def is_local(provider) -> bool:
    return provider.network.name == "local"


def load_account(name: str, provider):
    """A test account by index on local networks, else the ape account aliased `name`."""
    from ape import accounts

    if name.isdigit():
        if not is_local(provider):
            raise click.BadParameter(
                "test accounts exist only on local networks: give an ape account alias",
                param_hint="--account",
            )
        index = int(name)
        if index >= len(accounts.test_accounts):
            raise click.BadParameter(
                f"there are {len(accounts.test_accounts)} test accounts (0 to "
                f"{len(accounts.test_accounts) - 1})",
                param_hint="--account",
            )
        return accounts.test_accounts[index]
    if name not in accounts.aliases:
        raise click.BadParameter(
            f"no ape account named {name!r}: add one with `ape accounts import {name}`",
            param_hint="--account",
        )
    return accounts.load(name)


class Duration(click.ParamType):
    """A duration in the grammar of `ml.durations`: 90, 90s, 15m, 1.5h, 1d or 2w."""

    name = "duration"

    def convert(self, value, param, ctx):
        try:
            return parse_duration(value)
        except InvalidDuration as err:
            self.fail(str(err), param, ctx)


def option_name(parameter: str) -> str:
    """The command-line option of a mechanism parameter: cost_weight -> --cost-weight."""
    return "--" + parameter.replace("_", "-")


def amount_text(wei: int, reputation: int) -> str:
    """What a claim pays, for messages: '0.0024 ETH', '0 ETH, +2 reputation'."""
    return wei_to_eth(wei) + (f", +{reputation} reputation" if reputation else "")


# ---------------------------------------------------------------------------- manifest


def write_manifest(path: Path, manifest: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n")


#: What each kind of manifest must hold (a manifest without "kind" is a deployment's), and
#: the command that writes it.
MANIFEST_KINDS = {
    "deployment": (("chain_id", "model", "trainer", "encoder"), "ape run deploy"),
    "federated-line": (
        ("chain_id", "line", "spec", "terms", "dataset"),
        "ape run federated create",
    ),
}


def read_manifest(path: Path, kind: str = "deployment") -> dict:
    """The manifest of `kind` at `path`, checked for the fields the commands use."""
    required, writer = MANIFEST_KINDS[kind]
    if not path.is_file():
        raise click.ClickException(f"no {kind} manifest at {path}: run `{writer}` first")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{path} is not valid JSON: {err}") from err
    if not isinstance(manifest, dict):
        raise click.ClickException(f"{path} is not a {kind} manifest (not a JSON object)")
    found = manifest.get("kind", "deployment")
    if found != kind:
        raise click.ClickException(f"{path} is a {found} manifest, not a {kind} one")
    missing = [k for k in ("version", *required) if k not in manifest]
    if missing or manifest.get("version") != MANIFEST_VERSION:
        raise click.ClickException(
            f"{path} is not a version-{MANIFEST_VERSION} {kind} manifest "
            f"(missing {', '.join(missing) or 'nothing'}, version {manifest.get('version')})"
        )
    return manifest


class Deployed:
    """The contracts and encoder of a manifest, checked against the connected chain: the
    chain id, that there is code at each address, and that the trainer's recorded encoder
    hash is the hash of the manifest's encoder spec."""

    def __init__(self, manifest: dict, provider):
        from ape import chain, project

        self.manifest = manifest
        if chain.chain_id != manifest["chain_id"]:
            raise click.ClickException(
                f"the deployment is on chain {manifest['chain_id']}, the network is chain "
                f"{chain.chain_id}: pass the right --network"
            )
        for part in ("model", "trainer"):
            address = manifest[part]["address"]
            if not provider.get_code(address):
                raise click.ClickException(
                    f"no contract at the {part} address {address} on this chain: was the "
                    "local chain reset (`ape run chain`)? deploy again"
                )
        self.model = getattr(project, manifest["model"]["contract"]).at(
            manifest["model"]["address"]
        )
        self.mechanism = mechanisms.get(manifest["trainer"].get("mechanism"))
        self.trainer = getattr(project, self.mechanism.contract_name).at(
            manifest["trainer"]["address"]
        )
        self.reputation = project.ReputationToken.at(self.trainer.reputation())
        self.encoder = Encoder.from_spec(manifest["encoder"]["spec"])
        recorded = "0x" + bytes(self.trainer.encoderSpecHash()).hex()
        if recorded != self.encoder.spec_hash() or recorded != manifest["encoder"]["hash"]:
            raise click.ClickException(
                f"the manifest's encoder (hash {self.encoder.spec_hash()}) is not the one the "
                f"trainer recorded ({recorded}): this manifest does not describe this trainer"
            )
        self.class_names = list(self.model.classNames())
        self.start_block = manifest.get("start_block", 0)

    def label_index(self, label: str) -> int:
        """A class by name or index; one line listing the classes otherwise."""
        if label in self.class_names:
            return self.class_names.index(label)
        if label.isdigit() and int(label) < len(self.class_names):
            return int(label)
        raise click.BadParameter(
            f"{label!r} is not a class of this model; its classes are "
            + ", ".join(self.class_names),
            param_hint="--label",
        )

    def encode(self, raw) -> bytes:
        """The contract input for one raw input (a text, or a vector for dense encoders)."""
        return pack(self.encoder.encode(raw), self.manifest["model"]["sparse"], self.encoder)

    def parse_input(self, text: str):
        """A raw input from the command line: the text itself, or for the dense encoder
        numbers separated by commas or spaces."""
        if self.encoder.kind != "dense":
            return text
        try:
            return [float(v) for v in re.split(r"[,\s]+", text.strip()) if v]
        except ValueError as err:
            raise click.BadParameter(
                f"this model takes vectors of {self.encoder.num_features} numbers: {err}"
            ) from err


def pack(sample: list[int], sparse: bool, encoder: Encoder) -> bytes:
    """An encoded sample as the contract input of a sparse or a dense model."""
    from ml.packing import encode_dense, encode_sparse

    return (encode_sparse if sparse else encode_dense)(sample, encoder.num_features)


def client_for(deployed: Deployed):
    from ml.chain import Client

    return Client(contracts=[deployed.trainer, deployed.model, deployed.reputation])


__all__ = [
    "Deployed",
    "Duration",
    "account_option",
    "amount_text",
    "client_for",
    "connected",
    "deployment_option",
    "is_local",
    "load_account",
    "network_option",
    "one_line_errors",
    "option_name",
    "pack",
    "read_manifest",
    "write_manifest",
]
