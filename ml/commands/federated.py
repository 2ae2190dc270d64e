"""`ape run federated`: a federated training line (`contracts/federated/FederatedLine.sol`,
driven by `ml.federated.line`) from the command line.

- `create` deploys a line (a torch MLP over a bundled dataset, an aggregation rule, the terms)
  and writes its manifest (federated.json);
- `join` stakes an account into it;
- `round` runs one whole round on a local chain with its test accounts as the members
  (simulated participants: each trains on its shard, or attacks; the aggregator posts;
  a challenger may check it), moving the chain's clock through the windows;
- `status` shows the line, the current round and every settled round's outcome and payments;
- `demo` runs several rounds end to end on an embedded anvil and writes a report.

- `commit`, `reveal`, `post` (and `post --open`), `challenge`, `settle`: one party's step of a
  round, for real participants on any network (`round` refuses to run on a non-local one).
  `challenge` rebuilds the aggregate as the posted model minus the global one; an aggregate
  posted with another root needs its own bytes, which it does not fetch yet.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ml.artifacts.cid import RAW, Cid
from ml.artifacts.store import open_store
from ml.chain import wei_to_eth
from ml.commands.common import (
    MANIFEST_VERSION,
    Duration,
    account_option,
    connected,
    ipfs_option,
    is_local,
    load_account,
    network_option,
    one_line_errors,
    read_manifest,
    store_option,
    write_manifest,
)
from ml.federated.aggregation import RULES
from ml.federated.line import OUTCOMES, RULE_IDS, STATUSES, Line, LineError, Spec, advance
from ml.federated.privacy import Privacy, epsilon
from ml.federated.settlement import Terms

KIND = "federated-line"
DATASETS = ("digits", "iris", "wine", "breast-cancer")
SLASH_REASONS = ("not revealed", "rejected")

deployment_option = click.option(
    "--deployment",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("federated.json"),
    show_default=True,
    help="The manifest `ape run federated create` wrote.",
)


class Ether(click.ParamType):
    """An amount of ETH (decimal), as wei."""

    name = "eth"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            wei = Decimal(str(value)) * 10**18
        except InvalidOperation:
            self.fail(f"{value!r} is not an amount of ETH such as 1 or 0.5", param, ctx)
        if wei < 0 or wei != wei.to_integral_value():
            self.fail(f"{value!r}: expected a non-negative amount, at most 18 decimals", param, ctx)
        return int(wei)


ETH = Ether()


def _split(name: str, seed: int):
    from ml import datasets

    return getattr(datasets, name.replace("-", "_"))(seed=seed)


def _data(manifest: dict):
    from ml.federated.rounds import Data

    d = manifest["dataset"]
    return Data.of(_split(d["name"], d["seed"]), validation=d["validation"])


def _spec(manifest: dict) -> Spec:
    from ml.federated.mlp import Architecture

    s = manifest["spec"]
    arch = Architecture(s["features"], s["hidden"], s["classes"])
    return Spec(arch, s["rule"], dict(s["params"]), s["chunk_size"])


def _check(spec: Spec, terms: Terms) -> None:
    """What the contract's constructor would refuse, found before sending anything."""
    p, q = spec.params, terms.quorum
    problems = [
        (terms.stake == 0, "--stake must be above 0"),
        (terms.aggregator_bond == 0, "--bond must be above 0"),
        (q > terms.max_participants, f"--quorum {q} is over --max-participants"),
        (
            terms.max_participants**2 * spec.chunk_size > 2**18,
            "--max-participants squared times --chunk-size must be at most 2^18",
        ),
        (
            spec.rule == "trimmed-mean" and 2 * p.get("trim", 0) >= q,
            "trimmed-mean: 2 trim < quorum",
        ),
        (
            spec.rule in ("krum", "multi-krum") and q < 2 * p.get("f", 0) + 3,
            "Krum: quorum >= 2 f + 3",
        ),
        (spec.rule == "multi-krum" and not 1 <= p.get("m", 0) <= q, "multi-krum: 1 <= m <= quorum"),
    ]
    windows = ("commit_window", "reveal_window", "aggregate_window", "challenge_window")
    for name in windows + ("cooldown",):
        seconds = getattr(terms, name)
        if seconds > 365 * 86_400 or (name in windows and seconds == 0):
            flag = "--" + name.replace("_", "-")
            problems.append((True, f"{flag} must be within 1 s and a year"))
    for bad, message in problems:
        if bad:
            raise click.UsageError(message)


def _rule_params(rule: str, given: dict) -> dict:
    wanted = RULES[rule].params
    extra = sorted(k for k, v in given.items() if v is not None and k not in wanted)
    if extra:
        raise click.UsageError(f"{rule} takes no --{', --'.join(extra)}")
    missing = [k for k in wanted if given.get(k) is None]
    if missing:
        raise click.UsageError(f"{rule} needs --{', --'.join(missing)}")
    return {k: given[k] for k in wanted}


def _client(contract):
    from ml.chain import Client

    return Client(contracts=[contract])


def open_line(manifest: dict, provider, store=None) -> Line:
    """The manifest's line on the connected chain (its id and code checked)."""
    from ape import chain, project

    if chain.chain_id != manifest["chain_id"]:
        raise click.ClickException(
            f"the line is on chain {manifest['chain_id']}, the network is chain "
            f"{chain.chain_id}: pass the right --network"
        )
    address = manifest["line"]["address"]
    if not provider.get_code(address):
        raise click.ClickException(
            f"no contract at the line's address {address} on this chain: was the local chain "
            "reset? create the line again"
        )
    if store is None:
        where = manifest.get("store", {})
        store = open_store(where.get("ipfs"), root=where.get("root", ".artifacts"))
    contract = project.FederatedLine.at(address)
    return Line(
        contract, _spec(manifest), store, _client(contract), manifest["line"]["start_block"]
    )


def teacher_of(manifest_path: Path, provider):
    """The line's global model as a teacher (`ml.federated.distill.Teacher`): after the last
    settled round, its parameters loaded from the line's store."""
    from ml.federated.distill import Teacher

    manifest = read_manifest(manifest_path, KIND)
    line = open_line(manifest, provider)
    current = line.contract.currentRound()
    settled = current if current and line.status(current) == "settled" else current - 1
    if settled <= 0:
        raise click.ClickException(
            f"the line at {line.contract.address} has settled no round: its global model is "
            "the untrained initial one"
        )
    arch = line.spec.arch
    return Teacher(
        dataset=manifest["dataset"]["name"],
        seed=manifest["dataset"]["seed"],
        line=line.contract.address,
        round=settled,
        model=_cid(line, line.contract.globalModelCid()),
        chunk_size=line.spec.chunk_size,
        architecture={"features": arch.features, "hidden": arch.hidden, "classes": arch.classes},
        parameters=line.global_model(),
    )


def _cid(line: Line, digest) -> str:
    from ml.federated.line import find

    try:
        return str(find(line.store, bytes(digest)))
    except LineError:
        return str(Cid(RAW, bytes(digest)))


def _test_account(address: str, role: str):
    from ape import accounts

    for account in accounts.test_accounts:
        if account.address == address:
            return account
    raise click.ClickException(f"the {role} {address} is not a test account of this chain")


def gas_text(gas: dict[str, list[int]]) -> str:
    def spread(v):
        text = f"{min(v):,}" if min(v) == max(v) else f"{min(v):,}-{max(v):,}"
        return text + (f" x{len(v)}" if len(v) > 1 else "")

    return "; ".join(f"{name} {spread(v)}" for name, v in gas.items())


# ---------------------------------------------------------------------------- the commands


@click.group()
def cli():
    """A federated training line: create, join, run a round, show its status, the demo, or one
    party's step of a round (commit, reveal, post, challenge, settle)."""


@cli.command()
@click.option("--dataset", type=click.Choice(DATASETS), default="digits", show_default=True)
@click.option(
    "--validation",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Training samples held out as the line's validation set (attribution).",
)
@click.option("--seed", default=0, show_default=True, help="The split's and initial model's seed.")
@click.option("--rule", type=click.Choice(tuple(RULE_IDS)), default="median", show_default=True)
@click.option(
    "--trim", type=click.IntRange(0), default=None, help="trimmed-mean: trimmed per side."
)
@click.option("--f", "f", type=click.IntRange(0), default=None, help="Krum: Byzantine tolerated.")
@click.option(
    "--m", "m", type=click.IntRange(1), default=None, help="multi-Krum: updates averaged."
)
@click.option("--hidden", type=click.IntRange(1), default=16, show_default=True)
@click.option("--chunk-size", type=click.IntRange(1, 1024), default=64, show_default=True)
@click.option("--stake", type=ETH, default="1", show_default=True, help="ETH a member stakes.")
@click.option("--reward", type=ETH, default="1", show_default=True, help="ETH paid a round.")
@click.option("--bond", type=ETH, default="2", show_default=True, help="The aggregator's bond.")
@click.option("--non-reveal-slash-ppm", type=click.IntRange(0, 10**6), default=500_000)
@click.option("--reject-slash-ppm", type=click.IntRange(0, 10**6), default=250_000)
@click.option("--quorum", type=click.IntRange(1), default=3, show_default=True)
@click.option("--max-participants", type=click.IntRange(1, 64), default=16, show_default=True)
@click.option("--commit-window", type=Duration(), default="1h", show_default=True)
@click.option("--reveal-window", type=Duration(), default="1h", show_default=True)
@click.option("--aggregate-window", type=Duration(), default="1h", show_default=True)
@click.option("--challenge-window", type=Duration(), default="1h", show_default=True)
@click.option("--cooldown", type=Duration(), default="1d", show_default=True)
@click.option("--funding", type=ETH, default="10", show_default=True, help="The reward pool.")
@click.option("--aggregator", default="1", show_default=True, help="The aggregator's account.")
@account_option
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("federated.json")
)
@network_option
@ipfs_option
@store_option
@one_line_errors
def create(**o):
    """Deploy a federated line and write its manifest."""
    from ape import chain

    from ml.federated.mlp import Architecture
    from ml.federated.rounds import Data

    params = _rule_params(o["rule"], {"trim": o["trim"], "f": o["f"], "m": o["m"]})
    split = _split(o["dataset"], o["seed"])
    data = Data.of(split, validation=o["validation"])
    arch = Architecture(data.X_train.shape[1], o["hidden"], data.classes)
    spec = Spec(arch, o["rule"], params, o["chunk_size"])
    terms = Terms(
        stake=o["stake"],
        reward_per_round=o["reward"],
        aggregator_bond=o["bond"],
        non_reveal_slash_ppm=o["non_reveal_slash_ppm"],
        reject_slash_ppm=o["reject_slash_ppm"],
        commit_window=o["commit_window"],
        reveal_window=o["reveal_window"],
        aggregate_window=o["aggregate_window"],
        challenge_window=o["challenge_window"],
        cooldown=o["cooldown"],
        quorum=o["quorum"],
        max_participants=o["max_participants"],
    )
    _check(spec, terms)
    store = open_store(o["ipfs"], root=o["store_root"])
    with connected(o["network"]) as provider:
        creator = load_account(o["account"], provider)
        aggregator = load_account(o["aggregator"], provider)
        line = Line.deploy(
            spec,
            terms,
            creator=creator,
            aggregator=aggregator.address,
            initial=arch.initial(o["seed"]),
            validation=(data.X_val, data.y_val),
            funding=o["funding"],
            store=store,
            client=None,
        )
        gas = chain.get_receipt(line.contract.txn_hash).gas_used
        task = line.contract.task()
        manifest = {
            "version": MANIFEST_VERSION,
            "kind": KIND,
            "chain_id": chain.chain_id,
            "network": provider.network_choice,
            "line": {
                "contract": "FederatedLine",
                "address": line.contract.address,
                "start_block": line.start_block,
                "creator": creator.address,
                "aggregator": aggregator.address,
                "deploy_gas": gas,
                "architecture_cid": _cid(line, task.architectureCid),
                "initial_model_cid": _cid(line, task.initialModelCid),
                "funding": o["funding"],
            },
            "spec": {
                "features": arch.features,
                "hidden": arch.hidden,
                "classes": arch.classes,
                "dimension": arch.size,
                "rule": spec.rule,
                "params": spec.params,
                "chunk_size": spec.chunk_size,
            },
            "terms": asdict(terms),
            "dataset": {"name": o["dataset"], "seed": o["seed"], "validation": o["validation"]},
            "store": {"ipfs": o["ipfs"]} if o["ipfs"] else {"root": str(o["store_root"])},
        }
    write_manifest(o["out"], manifest)
    click.echo(f"Line {manifest['line']['address']} ({spec.rule}, {arch.size} parameters)")
    click.echo(f"  architecture  {manifest['line']['architecture_cid']}")
    click.echo(f"  initial model {manifest['line']['initial_model_cid']}")
    click.echo(f"  deploy gas {gas:,}; funding {wei_to_eth(o['funding'])}; manifest {o['out']}")


@cli.command()
@account_option
@deployment_option
@network_option
@one_line_errors
def join(account, manifest_path, network):
    """Join the line with its stake."""
    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        member = load_account(account, provider)
        receipt = line.join(member)
        stake = line.contract.members(member.address).stake
        click.echo(f"Joined {member.address}: stake {wei_to_eth(stake)} (gas {receipt.gas_used:,})")


def privacy_options(command):
    """--dp-clip, --dp-noise, --dp-delta: the member's differential privacy (`privacy_of`)."""
    for option in reversed(
        [
            click.option(
                "--dp-clip",
                type=float,
                default=None,
                help="Clip each update to this L2 norm (model units) [default: no clipping].",
            ),
            click.option(
                "--dp-noise",
                type=float,
                default=0.0,
                show_default=True,
                help="Gaussian noise on each update: its deviation over the clip.",
            ),
            click.option(
                "--dp-delta",
                type=float,
                default=1e-5,
                show_default=True,
                help="The delta at which the privacy spent (epsilon) is reported.",
            ),
        ]
    ):
        command = option(command)
    return command


def privacy_of(dp_clip: float | None, dp_noise: float, dp_delta: float) -> Privacy | None:
    """The options' `Privacy` (None without clipping or noise); a setting out of range raises
    `InvalidPrivacy` (one line, before anything is sent)."""
    if dp_clip is None and dp_noise == 0:
        return None
    return Privacy(dp_clip, dp_noise, dp_delta)


def _indices(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: expected account indices such as 2,3,4", param_hint=option
        ) from None
    if any(v < 0 for v in values):
        raise click.BadParameter(f"{text!r}: indices are not negative", param_hint=option)
    return values


def _members(text: str, reserved: set[str]) -> list[int]:
    """Account indices: a list ("2,3,4") or a count ("3": the first accounts that are neither
    the creator nor the aggregator)."""
    from ape import accounts

    if "," not in text and text.strip().isdigit():
        count = int(text)
        free = [i for i, a in enumerate(accounts.test_accounts) if a.address not in reserved]
        if not 1 <= count <= len(free):
            raise click.BadParameter(
                f"{count}: there are {len(free)} test accounts besides the creator and the "
                "aggregator",
                param_hint="--members",
            )
        return free[:count]
    members = _indices(text, "--members")
    if len(set(members)) != len(members) or not members:
        raise click.BadParameter(f"{text!r}: members must be distinct", param_hint="--members")
    return members


def ready_to_commit(line: Line, account) -> dict[str, int]:
    """Joins `account` to the line, or tops its stake up after a slash (a member below the
    stake cannot commit); returns the gas of what it sent ({} if nothing was needed)."""
    contract = line.contract
    stake, m = contract.terms().stake, contract.members(account.address)
    if not m.joined:
        return {"join": line.join(account).gas_used}
    if m.stake < stake:
        receipt = line.client.send(contract.topUp, sender=account, value=stake - m.stake)
        return {"topUp": receipt.gas_used}
    return {}


def play(
    line: Line,
    data,
    *,
    aggregator,
    members: dict,
    kinds: list[str],
    seed: int,
    training=None,
    **round_,
):
    """One round with simulated participants: `members` ({index: account}) train (or attack,
    by `kinds`) from the global model on seeded shards (`training`: the rounds' default, or
    with differential privacy); returns (RoundResult, test accuracy, the gas of the joins and
    top-ups done first)."""
    from ml.federated.line import play_round
    from ml.federated.mlp import accuracy
    from ml.federated.rounds import DEFAULT_TRAINING, Participant, round_updates
    from ml.federated.shards import iid

    arch, contract, gas = line.spec.arch, line.contract, {}
    for account in members.values():
        for name, used in ready_to_commit(line, account).items():
            gas.setdefault(name, []).append(used)
    shards = iid(data.y_train, len(members), seed=seed)
    participants = [Participant(k, s) for k, s in zip(kinds, shards, strict=True)]
    number = contract.currentRound() + 1
    vectors = round_updates(
        arch, line.global_model(), data, participants, number, seed, training or DEFAULT_TRAINING
    )

    def correct(vector):
        return round(accuracy(arch, vector, data.X_val, data.y_val) * len(data.y_val))

    result = play_round(
        line,
        aggregator=aggregator,
        updates=dict(zip(members.values(), vectors, strict=True)),
        correct=correct,
        advance=advance,
        **round_,
    )
    return result, accuracy(arch, line.global_model(), data.X_test, data.y_test), gas


def echo_round(result, acc: float, names: dict[str, str], gas: dict) -> None:
    click.echo(f"Round {result.number}: {result.outcome}; test accuracy {acc:.2%}")
    click.echo(f"  global model {result.model_cid}")
    for address, name in names.items():
        credit, slash = result.credits.get(address, 0), result.slashed.get(address, 0)
        if credit or slash or name.startswith("member"):
            click.echo(
                f"  {name:<40} {address}  credit {wei_to_eth(credit)}, slashed {wei_to_eth(slash)}"
            )
    click.echo(
        "  challenged chunk "
        + (", ".join(map(str, result.challenged)) if result.challenged else "none")
    )
    click.echo(f"  gas: {gas_text({**gas, **result.gas})}")


@cli.command("round")
@click.option(
    "--members",
    default="3",
    show_default=True,
    help="Test-account indices (2,3,4) or a count (the first accounts besides the creator and "
    "the aggregator); those not yet members join first.",
)
@click.option(
    "--kinds",
    default="honest",
    show_default=True,
    help="Each member's kind, in order (one kind: all): honest, sign-flip, label-flip, gaussian, "
    "alie, ipm, free-ride.",
)
@click.option("--stragglers", default="", help="Members' indices that commit but do not reveal.")
@click.option("--lie", is_flag=True, help="The aggregator alters one coordinate of the aggregate.")
@click.option("--challenger", default=None, help="A test account that checks the aggregate.")
@click.option("--seed", default=None, type=int, help="Training seed [default: the manifest's].")
@privacy_options
@deployment_option
@network_option
@one_line_errors
def round_(
    members,
    kinds,
    stragglers,
    lie,
    challenger,
    seed,
    dp_clip,
    dp_noise,
    dp_delta,
    manifest_path,
    network,
):
    """Run one whole round on a local chain, test accounts playing the members (with
    differential privacy: each trained update clipped and noised, seeded for reproducibility
    as the whole simulated round is)."""
    from ape import accounts

    from ml.federated.rounds import KINDS, Training

    privacy = privacy_of(dp_clip, dp_noise, dp_delta)
    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        if not is_local(provider):
            raise click.ClickException(
                "`round` simulates the participants on a local chain only: on "
                f"{provider.network.name} each member commits and reveals its own update"
            )
        line = open_line(manifest, provider)
        aggregator = _test_account(manifest["line"]["aggregator"], "aggregator")
        reserved = {manifest["line"]["creator"], aggregator.address}
        chosen = _members(members, reserved)
        if max(chosen) >= len(accounts.test_accounts):
            raise click.BadParameter(
                f"there are {len(accounts.test_accounts)} test accounts", param_hint="--members"
            )
        kind_list = [k.strip() for k in kinds.split(",")]
        kind_list = kind_list * len(chosen) if len(kind_list) == 1 else kind_list
        if len(kind_list) != len(chosen):
            raise click.BadParameter(
                f"{len(kind_list)} kinds for {len(chosen)} members", param_hint="--kinds"
            )
        unknown = sorted(set(kind_list) - set(KINDS))
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: the kinds are {', '.join(KINDS)}", param_hint="--kinds"
            )
        late = set(_indices(stragglers, "--stragglers"))
        if late - set(chosen):
            raise click.BadParameter(
                "stragglers must be among the members", param_hint="--stragglers"
            )
        by_index = {i: accounts.test_accounts[i] for i in chosen}
        checker = load_account(challenger, provider) if challenger is not None else None
        result, acc, gas = play(
            line,
            _data(manifest),
            aggregator=aggregator,
            members=by_index,
            kinds=kind_list,
            seed=manifest["dataset"]["seed"] if seed is None else seed,
            training=Training(privacy=privacy),
            stragglers=frozenset(by_index[i] for i in late),
            lie=lie,
            challenger=checker,
        )
        names = {
            a.address: f"member {i} ({k}{', straggler' if i in late else ''})"
            for (i, a), k in zip(by_index.items(), kind_list, strict=True)
        }
        names[aggregator.address] = "aggregator"
        if checker is not None:
            names[checker.address] = "challenger"
        echo_round(result, acc, names, gas)
        if privacy is not None:
            trained = [
                a for a, k in zip(by_index.values(), kind_list, strict=True) if KINDS[k].trains
            ]
            click.echo(f"  privacy spent (epsilon at delta {privacy.delta:g}, per member):")
            for a in trained:
                released = line.rounds_revealed(a.address, result.number)
                eps = epsilon(privacy, released)
                click.echo(f"    {names[a.address]:<38} {eps:.4g} after {released} updates")


@cli.command()
@click.option("--top", default=5, show_default=True, help="Reputation holders to list.")
@deployment_option
@network_option
@one_line_errors
def status(top, manifest_path, network):
    """Show the line, its current round and every settled round."""
    from ape import chain

    from ml.commands.status import _when

    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        c, spec = line.contract, line.spec
        terms, head, now = c.terms(), chain.blocks.head.number + 1, chain.pending_timestamp
        params = ", ".join(f"{k} {v}" for k, v in spec.params.items())
        click.echo(
            f"Line {c.address}: {spec.rule}{f' ({params})' if params else ''}, "
            f"{spec.arch.size} parameters in chunks of {spec.chunk_size}"
            + ("; closed" if c.closed() else "")
        )
        click.echo(
            f"Terms: stake {wei_to_eth(terms.stake)}, reward {wei_to_eth(terms.rewardPerRound)} a "
            f"round, bond {wei_to_eth(terms.aggregatorBond)}, quorum {terms.quorum} of at most "
            f"{terms.maxParticipants}; windows {terms.commitWindow}/{terms.revealWindow}/"
            f"{terms.aggregateWindow}/{terms.challengeWindow} s"
        )
        click.echo(
            f"Pool {wei_to_eth(c.pool())}; staked {wei_to_eth(c.totalStaked())} by "
            f"{c.memberCount()} members; credits owed {wei_to_eth(c.totalCredits())}"
        )
        click.echo(f"Global model {_cid(line, c.globalModelCid())}")
        current = c.currentRound()
        if current:
            r = c.rounds(current)
            text = f"Round {current}: {STATUSES[r.status]}, {OUTCOMES[r.outcome]}"
            if STATUSES[r.status] == "open":
                text += f"; commits until {_when(r.commitDeadline, now)}"
                text += f", reveals until {_when(r.revealDeadline, now)}"
                text += f", aggregate until {_when(r.aggregateDeadline, now)}"
            elif STATUSES[r.status] == "posted":
                text += f"; challenges until {_when(r.challengeDeadline, now)}"
            click.echo(text)
        else:
            click.echo("No round yet")
        rewards, slashes = {}, {}
        for e in c.Rewarded.range(line.start_block, head):
            rewards.setdefault(e.round, []).append(e)
        for e in c.Slashed.range(line.start_block, head):
            slashes.setdefault(e.round, []).append(e)
        voided = {e.round: e for e in c.AggregateVoided.range(line.start_block, head)}
        for e in c.RoundSettled.range(line.start_block, head):
            text = f"  round {e.round}: {OUTCOMES[e.outcome]}, model {_cid(line, e.globalModelCid)}"
            if e.round in voided:
                v = voided[e.round]
                text += f"; aggregate voided by {v.challenger} (chunk {v.chunk})"
            click.echo(text)
            for r in rewards.get(e.round, []):
                click.echo(f"    rewarded {r.member} {wei_to_eth(r.amount)} (weight {r.weight})")
            for s in slashes.get(e.round, []):
                why = SLASH_REASONS[s.reason] if s.reason < len(SLASH_REASONS) else s.reason
                click.echo(f"    slashed {s.member} {wei_to_eth(s.amount)} ({why})")
        from ape import project

        rep = project.ReputationToken.at(c.reputation())
        holders = {e.to for e in rep.Transfer.range(line.start_block, head)}
        ranked = sorted(((rep.balanceOf(a), a) for a in holders), reverse=True)
        ranked = [(b, a) for b, a in ranked if b][:top]
        click.echo(f"Reputation: {rep.totalSupply()} in all" + (":" if ranked else ""))
        for balance, address in ranked:
            click.echo(f"  {address}  {balance}")


# ---------------------------------------------------------------------------- one party each


def _pending_path(manifest_path: Path, address: str) -> Path:
    return manifest_path.with_name(f"{manifest_path.stem}.pending-{address.lower()}.json")


def commit_update(line: Line, member, number: int, update, manifest_path: Path, privacy=None):
    """Commits `update` for `member`, clipped and noised first under `privacy` (if any; the
    noise from the operating system's entropy: a seed anyone knows would let them subtract it),
    and keeps what its reveal needs in a 0600 file beside the manifest; returns (Pending,
    receipt, the privacy spent once it is revealed or None)."""
    import secrets

    from ml.federated.privacy import privatise

    spent = None
    if privacy is not None:
        update = privatise(update, privacy, seed=secrets.randbits(128))
        released = line.rounds_revealed(member.address, number - 1) + 1
        spent = {**asdict(privacy), "epsilon": epsilon(privacy, released), "updates": released}
    pending, receipt = line.commit(member, number, update)
    path = _pending_path(manifest_path, member.address)
    saved = {
        "line": line.contract.address,
        "round": pending.round,
        "member": member.address,
        "cid": str(pending.cid),
        "root": "0x" + pending.root.hex(),
        "salt": "0x" + pending.salt.hex(),
        "privacy": spent,
    }
    path.write_text(json.dumps(saved, indent=2) + "\n")
    path.chmod(0o600)
    return pending, receipt, spent


def reveal_saved(line: Line, member, manifest_path: Path):
    """Reveals what `commit_update` kept for `member` (and deletes it); returns (Pending,
    receipt)."""
    from ml.federated.line import Pending

    path = _pending_path(manifest_path, member.address)
    if not path.is_file():
        raise click.ClickException(f"no commitment of {member.address} at {path}: `commit` first")
    saved = json.loads(path.read_text())
    pending = Pending(
        saved["round"],
        Cid.parse(saved["cid"]),
        bytes.fromhex(saved["root"][2:]),
        bytes.fromhex(saved["salt"][2:]),
    )
    receipt = line.reveal(member, pending)
    path.unlink()
    return pending, receipt


def _open_round(line: Line) -> int:
    number = line.contract.currentRound()
    if not number or line.status(number) != "open":
        raise click.ClickException("no round is open: the aggregator opens one (`post --open`)")
    return number


@cli.command()
@click.option("--shard", default="0/1", show_default=True, help="K/N: train on shard K of N.")
@click.option(
    "--update",
    "update_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A JSON list of fixed-point integers to commit instead of training.",
)
@click.option("--seed", default=0, show_default=True, help="The local training's seed.")
@privacy_options
@account_option
@deployment_option
@network_option
@one_line_errors
def commit(shard, update_file, seed, dp_clip, dp_noise, dp_delta, account, manifest_path, network):
    """Commit one member's update to the open round (kept for `reveal` in a secret file).
    With --dp-clip/--dp-noise the update is clipped and noised first, the noise drawn from the
    operating system's entropy (a known seed would let anyone subtract it)."""
    from ml.federated.rounds import trained_update
    from ml.federated.shards import iid

    privacy = privacy_of(dp_clip, dp_noise, dp_delta)
    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        member = load_account(account, provider)
        number = _open_round(line)
        if update_file is not None:
            try:
                update = [int(v) for v in json.loads(update_file.read_text())]
            except (ValueError, TypeError) as err:
                raise click.ClickException(f"{update_file}: not a JSON list of integers") from err
        else:
            try:
                k, n = (int(v) for v in shard.split("/"))
                assert 0 <= k < n
            except (ValueError, AssertionError):
                raise click.BadParameter(
                    f"{shard!r}: expected K/N, 0 <= K < N", "--shard"
                ) from None
            data = _data(manifest)
            rows = iid(data.y_train, n, seed=manifest["dataset"]["seed"])[k]
            update = trained_update(
                line.spec.arch, line.global_model(), data, rows, k, number, seed
            )
        pending, receipt, spent = commit_update(
            line, member, number, update, manifest_path, privacy
        )
        path = _pending_path(manifest_path, member.address)
        click.echo(
            f"Committed {pending.cid} to round {number} (gas {receipt.gas_used:,}); "
            f"the salt is in {path}: keep it for `reveal`"
        )
        if spent is not None:
            click.echo(
                f"Privacy spent once this update is revealed: epsilon {spent['epsilon']:.4g} at "
                f"delta {privacy.delta:g} over {spent['updates']} updates"
            )


@cli.command()
@account_option
@deployment_option
@network_option
@one_line_errors
def reveal(account, manifest_path, network):
    """Reveal the update `commit` committed (from its secret file)."""
    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        member = load_account(account, provider)
        pending, receipt = reveal_saved(line, member, manifest_path)
        click.echo(f"Revealed {pending.cid} in round {pending.round} (gas {receipt.gas_used:,})")


@cli.command()
@click.option("--open", "open_", is_flag=True, help="Open a new round instead.")
@click.option("--account", default=None, help="The aggregator [default: the manifest's].")
@deployment_option
@network_option
@one_line_errors
def post(open_, account, manifest_path, network):
    """As the aggregator: open a round (--open), or aggregate the revealed updates by the
    line's rule and post the new model with the bond."""
    from ml.federated.mlp import accuracy

    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        if account is None and is_local(provider):
            aggregator = _test_account(manifest["line"]["aggregator"], "aggregator")
        else:
            aggregator = load_account(account or "", provider)
        if open_:
            receipt = line.client.send(line.contract.openRound, sender=aggregator)
            number = line.contract.currentRound()
            r = line.contract.rounds(number)
            click.echo(
                f"Round {number} open (gas {receipt.gas_used:,}): commits until "
                f"{r.commitDeadline}, reveals until {r.revealDeadline}, the aggregate until "
                f"{r.aggregateDeadline} (unix time)"
            )
            return
        number = line.contract.currentRound()
        if not number:
            raise click.ClickException("no round yet: `post --open` first")
        data, arch = _data(manifest), line.spec.arch

        def correct(vector):
            return round(accuracy(arch, vector, data.X_val, data.y_val) * len(data.y_val))

        posting = line.compute(number, correct)
        receipt = line.post(aggregator, number, posting)
        acc = accuracy(arch, posting.model, data.X_test, data.y_test)
        click.echo(
            f"Posted round {number}'s model {posting.model_cid} (test accuracy {acc:.2%}; "
            f"rejected {list(posting.rejected) or 'none'}; gas {receipt.gas_used:,})"
        )


@cli.command()
@account_option
@deployment_option
@network_option
@one_line_errors
def settle(account, manifest_path, network):
    """Settle the current round (anyone may, once its challenge window is over)."""
    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        caller = load_account(account, provider)
        number = line.contract.currentRound()
        if not number:
            raise click.ClickException("no round yet")
        receipt = line.settle(caller, number)
        outcome = OUTCOMES[line.contract.rounds(number).outcome]
        click.echo(
            f"Round {number} settled: {outcome}; global model "
            f"{_cid(line, line.contract.globalModelCid())} (gas {receipt.gas_used:,})"
        )


@cli.command()
@account_option
@deployment_option
@network_option
@one_line_errors
def challenge(account, manifest_path, network):
    """Check the current round's posted aggregate chunk by chunk against the rule run on its
    inputs, and challenge the first wrong chunk (the aggregator's bond is the prize)."""
    from ml.federated.line import load
    from ml.federated.vectors import ChunkedVector

    manifest = read_manifest(manifest_path, KIND)
    with connected(network) as provider:
        line = open_line(manifest, provider)
        challenger = load_account(account, provider)
        number = line.contract.currentRound()
        status = line.status(number) if number else "none"
        if status != "posted":
            raise click.ClickException(
                f"round {number} is {status}: only a posted aggregate can be challenged"
            )
        model_digest, root, _ = line.posted(number)
        new, old = load(line.store, model_digest), line.global_model()
        values = [n - o for n, o in zip(new.values, old, strict=True)]
        aggregate = ChunkedVector.of(values, line.spec.chunk_size)
        if aggregate.root != root:
            raise click.ClickException(
                "the posted aggregate's root is not that of the posted model minus the global "
                "one: challenging a chunk needs the aggregate's own bytes (not supported yet)"
            )
        wrong = line.wrong_chunks(number, aggregate)
        if not wrong:
            click.echo(
                f"Round {number}'s aggregate is right in all {aggregate.chunk_count} chunks: "
                "nothing to challenge"
            )
            return
        bond = line.contract.rounds(number).bond
        receipt = line.challenge(challenger, number, wrong[0], aggregate)
        click.echo(
            f"Chunk {wrong[0]} of round {number}'s aggregate is wrong (of {len(wrong)}): voided; "
            f"{wei_to_eth(bond)} credited to {challenger.address} (gas {receipt.gas_used:,})"
        )


# ---------------------------------------------------------------------------- the demo


@cli.command()
@click.option(
    "--rounds", type=click.IntRange(1), default=4, show_default=True, help="Honest rounds."
)
@click.option("--hidden", type=click.IntRange(1), default=16, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/federated-demo"),
    show_default=True,
)
@click.option(
    "--network",
    default="embedded",
    show_default=True,
    help="'embedded': an anvil of the demo's own, stopped at the end; or a local network choice.",
)
@one_line_errors
def demo(rounds, hidden, seed, out, network):
    """Six members (a sign-flipper, a straggler) train a digits MLP under the median rule for
    --rounds rounds, then a lying aggregator is caught by a challenger; writes a report."""
    from ape import accounts
    from ape.logging import logger

    from ml.artifacts.store import EmbeddedStore
    from ml.federated.mlp import Architecture, accuracy
    from ml.federated.rounds import Data
    from ml.simulate.anvil import embedded_anvil

    logger.set_level("WARNING")  # not a line per transaction
    out.mkdir(parents=True, exist_ok=True)
    data = Data.of(_split("digits", seed), validation=200)
    arch = Architecture(data.X_train.shape[1], hidden, data.classes)
    spec = Spec(arch, "median", {}, chunk_size=64)
    terms = Terms(quorum=3, max_participants=8)
    funding = 10 * 10**18
    context = embedded_anvil() if network == "embedded" else connected(network)
    gas: dict[str, list[int]] = {}
    with context as provider:
        if not is_local(provider):
            raise click.ClickException("the demo simulates the participants on a local chain only")
        from ape import chain

        test = accounts.test_accounts
        creator, aggregator, challenger = test[0], test[1], test[8]
        members = {i: test[i] for i in range(2, 8)}
        kinds = ["honest"] * 5 + ["sign-flip"]
        straggler = 5  # an honest member that does not reveal in round 2
        names = {
            a.address: f"member {i} ({k})" for (i, a), k in zip(members.items(), kinds, strict=True)
        }
        names[members[straggler].address] = f"member {straggler} (honest, straggles in round 2)"
        names[aggregator.address] = "aggregator"
        names[challenger.address] = "challenger"
        line = Line.deploy(
            spec,
            terms,
            creator=creator,
            aggregator=aggregator.address,
            initial=arch.initial(seed),
            validation=(data.X_val, data.y_val),
            funding=funding,
            store=EmbeddedStore(out / "artifacts"),
            client=None,
        )
        line.client = _client(line.contract)
        gas["create (deploy)"] = [chain.get_receipt(line.contract.txn_hash).gas_used]
        task = line.contract.task()
        cids = {
            "architecture": _cid(line, task.architectureCid),
            "initial_model": _cid(line, task.initialModelCid),
        }
        start = accuracy(arch, line.global_model(), data.X_test, data.y_test)
        click.echo(f"Line {line.contract.address} (median, {arch.size} parameters)")
        click.echo(f"  architecture {cids['architecture']}; initial model {cids['initial_model']}")
        click.echo(f"  initial test accuracy {start:.2%}")
        report_rounds = []
        for number in range(1, rounds + 2):
            lying = number == rounds + 1
            result, acc, extra = play(
                line,
                data,
                aggregator=aggregator,
                members=members,
                kinds=kinds,
                seed=seed,
                stragglers=frozenset({members[straggler]}) if number == 2 else frozenset(),
                lie=lying,
                challenger=challenger if lying else None,
            )
            if lying:
                click.echo("A lying aggregator (one coordinate of the aggregate altered):")
            echo_round(result, acc, names, extra)
            for name, values in {**extra, **result.gas}.items():
                gas.setdefault(name, []).extend(values)
            report_rounds.append(
                {
                    "round": result.number,
                    "outcome": result.outcome,
                    "lying_aggregator": lying,
                    "test_accuracy": acc,
                    "model_cid": str(result.model_cid),
                    "revealed": list(result.revealed),
                    "credits_wei": {names[a]: v for a, v in result.credits.items()},
                    "slashed_wei": {names[a]: v for a, v in result.slashed.items()},
                    "challenged_chunks": list(result.challenged),
                    "gas": result.gas,
                }
            )
        withdrawn = {}
        for account in [*members.values(), aggregator, challenger, creator]:
            owed = line.contract.credits(account.address)
            if owed:
                receipt = line.client.send(line.contract.withdraw, sender=account)
                gas.setdefault("withdraw", []).append(receipt.gas_used)
                withdrawn[names.get(account.address, "creator")] = owed
        address = line.contract.address
        on_chain_model = _cid(line, line.contract.globalModelCid())
    report = {
        "line": address,
        "rule": "median",
        "parameters": arch.size,
        "terms": asdict(terms),
        "funding_wei": funding,
        "cids": {**cids, "global_model": on_chain_model},
        "initial_test_accuracy": start,
        "rounds": report_rounds,
        "withdrawn_wei": withdrawn,
        "gas": {k: {"min": min(v), "max": max(v), "count": len(v)} for k, v in gas.items()},
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = _summary(report)
    (out / "summary.md").write_text(summary)
    click.echo("")
    click.echo(summary)
    click.echo(f"report.json and summary.md in {out}")


def _summary(report: dict) -> str:
    lines = [
        "# Federated line demo",
        "",
        f"Line {report['line']}: median rule, {report['parameters']} parameters, six members "
        "(one sign-flipper; one honest member straggles in round 2); the last round's "
        "aggregator lies and a challenger catches it.",
        "",
        f"Initial test accuracy {report['initial_test_accuracy']:.2%}.",
        "",
        "| round | outcome | test accuracy | model CID | credits (ETH) | slashed (ETH) "
        "| challenged |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rounds"]:
        credits = ", ".join(f"{k}: {wei_to_eth(v)}" for k, v in r["credits_wei"].items()) or "-"
        slashed = ", ".join(f"{k}: {wei_to_eth(v)}" for k, v in r["slashed_wei"].items()) or "-"
        chunks = ", ".join(map(str, r["challenged_chunks"])) or "-"
        lines.append(
            f"| {r['round']} | {r['outcome']} | {r['test_accuracy']:.2%} | {r['model_cid']} "
            f"| {credits} | {slashed} | {chunks} |"
        )
    lines += ["", "Credits include the aggregator's bond returned (or the challenger's prize).", ""]
    lines += ["| operation | min gas | max gas | count |", "|---|---|---|---|"]
    for name, g in report["gas"].items():
        lines.append(f"| {name} | {g['min']:,} | {g['max']:,} | {g['count']} |")
    return "\n".join(lines) + "\n"


@cli.command()
@click.option(
    "--superlink",
    default=None,
    help="A running Flower SuperLink (host:port) whose SuperNodes are the members.",
)
@click.option(
    "--simulation",
    "simulated",
    type=click.IntRange(1, 64),
    default=None,
    help="Instead: N members in Flower's simulation runtime on this machine (Ray workers; a "
    "SuperLink of its own, started and stopped here).",
)
@click.option(
    "--accounts",
    "member_accounts",
    default=None,
    help="With --simulation: the members' accounts by partition (2,3,4) [default: the test "
    "accounts from 2].",
)
@click.option(
    "--root-certificates",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The SuperLink's CA certificate (TLS); without it the connection is insecure, as on "
    "loopback.",
)
@click.option("--rounds", type=click.IntRange(1), default=2, show_default=True)
@click.option(
    "--aggregator", default=None, help="The aggregator's account [default: the manifest's]."
)
@click.option(
    "--timeout",
    type=click.IntRange(1),
    default=300,
    show_default=True,
    help="Seconds a node has to train and commit, or to reveal; later is a straggler.",
)
@click.option(
    "--min-nodes",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Nodes to wait for (up to --timeout) before each round.",
)
@click.option("--seed", default=None, type=int, help="Training seed [default: the manifest's].")
@click.option(
    "--stragglers",
    default="",
    help="Partitions (0,2) whose nodes commit and never reveal: a demonstration of the slash.",
)
@privacy_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every round (outcome, model CID, accuracy, gas, epsilon) as JSON here.",
)
@deployment_option
@network_option
@one_line_errors
def flower(
    superlink,
    simulated,
    member_accounts,
    root_certificates,
    rounds,
    aggregator,
    timeout,
    min_nodes,
    seed,
    stragglers,
    dp_clip,
    dp_noise,
    dp_delta,
    out,
    manifest_path,
    network,
):
    """Run rounds of the line on a Flower federation (`ml/federated/flower.py`): the SuperLink
    runs the ServerApp as the line's aggregator, each SuperNode's ClientApp is a member."""
    import os
    import socket
    import subprocess
    import sys
    import tempfile
    from contextlib import ExitStack

    from ml.chain import local
    from ml.commands.common import LOCAL
    from ml.federated.flower import APP_DIR, local_federation

    if (superlink is None) == (simulated is None):
        raise click.UsageError("give --superlink HOST:PORT (a running SuperLink) or --simulation N")
    privacy_of(dp_clip, dp_noise, dp_delta)  # a setting out of range: one line, nothing run
    manifest = read_manifest(manifest_path, KIND)
    on_local = network == LOCAL or ":local:" in network
    if simulated:
        if member_accounts is None:
            if not on_local:
                raise click.UsageError("give --accounts (ape account aliases) on this network")
            member_accounts = ",".join(str(2 + k) for k in range(simulated))
        if len(member_accounts.split(",")) != simulated:
            raise click.BadParameter(
                f"{member_accounts!r}: give {simulated} accounts", param_hint="--accounts"
            )
    else:
        host, _, port = superlink.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except (OSError, ValueError):
            raise click.ClickException(
                f"no Flower SuperLink answers at {superlink}: start one (`flower-superlink "
                "--insecure`) or pass --superlink HOST:PORT"
            ) from None
    if aggregator is None:
        if not on_local:
            raise click.UsageError("give --aggregator (an ape account alias) on this network")
        from ape import accounts

        chosen = _test_account(manifest["line"]["aggregator"], "aggregator")
        aggregator = [a.address for a in accounts.test_accounts].index(chosen.address)
    run_config = {
        "manifest": str(manifest_path.resolve()),
        "network": network,
        # the anvil the processes join: the persistent local chain, or the one given
        "chain": local.ensure() if network == LOCAL else os.environ.get("APE_FOUNDRY_HOST", ""),
        "aggregator": str(aggregator),
        "rounds": rounds,
        "seed": manifest["dataset"]["seed"] if seed is None else seed,
        "timeout": timeout,
        "min-nodes": min_nodes,
        "dp-clip": float(dp_clip or 0.0),
        "dp-noise": float(dp_noise),
        "dp-delta": float(dp_delta),
        "straggle": stragglers,
        "accounts": member_accounts or "",
    }
    with tempfile.TemporaryDirectory() as home, ExitStack() as stack:
        if simulated:
            superlink, _ = stack.enter_context(
                local_federation(Path(home), chain=run_config["chain"], simulation=True)
            )
            run_config["min-nodes"] = simulated
        connection = f'address = "{superlink}"\n' + (
            f'root-certificates = "{root_certificates.resolve()}"\n'
            if root_certificates
            else "insecure = true\n"
        )
        if simulated:
            connection += f"\n[superlink.line.options]\nnum-supernodes = {simulated}\n"
        # the ServerApp writes the rounds it finished here: `flwr run` exits 0 even when the
        # ServerApp fails, so this is how a failed run is told
        report = (out or Path(home) / "rounds.json").resolve()
        report.unlink(missing_ok=True)
        run_config["out"] = str(report)
        overrides = " ".join(f"{k}={json.dumps(v)}" for k, v in run_config.items())
        (Path(home) / "config.toml").write_text(
            f'[superlink]\ndefault = "line"\n\n[superlink.line]\n{connection}'
        )
        flwr = str(Path(sys.executable).parent / "flwr")  # the one beside this interpreter
        command = [flwr, "run", str(APP_DIR), "line", "--run-config", overrides, "--stream"]
        subprocess.run(command, env={**os.environ, "FLWR_HOME": home}, check=False)
        finished = json.loads(report.read_text()) if report.is_file() else []
    if len(finished) < rounds:
        raise click.ClickException(
            f"the Flower run stopped after {len(finished)} of {rounds} rounds: see its log above "
            "(and the SuperLink's)"
        )
    click.echo(
        f"{rounds} rounds on Flower: "
        + "; ".join(
            f"round {r['round']} {r['outcome']}, accuracy {r['accuracy']:.2%}, "
            f"model {r['model_cid']}"
            for r in finished
        )
    )
