"""The web page's server (`ape run web`): a Starlette app on 127.0.0.1 that serves the page
(ml/web/static) and a small JSON API over one or more deployments on the connected chain.

Everything the page shows comes from the chain (view calls and events) through the same code the
commands use (`Deployed`, `Client`, `claims_for`, the status's test part), so a prediction, a
deposit or an error reads as it does in the terminal. On a local network the page may send from
the chain's test accounts (the server signs); elsewhere the server signs nothing and the page
sends from the person's wallet (`/prepare` gives the transaction to sign).

Chain access is serialised by one lock (the provider is not safe across threads). A page on
another site must not be able to make this server send from the local accounts: a POST whose
Origin is not the page's own is refused, and so is any request for a Host other than the
loopback names (DNS rebinding).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import click
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ml.chain import ChainError, wei_to_eth
from ml.commands.common import Deployed, client_for, is_local, read_manifest
from ml.errors import CollabMLError

STATIC = Path(__file__).parent / "static"
#: accuracy-over-time points drawn at most (each is a pass over the test part by view calls)
MAX_HISTORY_POINTS = 12
#: the test samples each past point of the accuracy plot is measured on (the first ones): a
#: large test part (the SMS texts' 1,115) would otherwise cost 12 x 1,115 view calls a load
HISTORY_SAMPLES = 200


class BadRequest(CollabMLError, ValueError):
    """A request the page should not have sent (its message is shown as it is)."""


#: the plots of a simulation report directory (`ape run simulate --out DIR`) the page shows
REPORT_PLOTS = ("accuracy.png", "balances.png")


@dataclass
class Site:
    """The deployments the page shows, on the connected provider, and a simulation report."""

    deployments: dict[str, Deployed]
    provider: object
    lock: threading.Lock
    report: Path | None = None

    @classmethod
    def open(cls, manifest_paths: list[Path], provider, report: Path | None = None) -> Site:
        if report is not None and not any((report / name).is_file() for name in REPORT_PLOTS):
            raise BadRequest(
                f"{report} has no {' or '.join(REPORT_PLOTS)}: not a simulation report"
            )
        deployments = {}
        for path in manifest_paths:
            deployed = Deployed(read_manifest(path), provider)
            deployments[deployed.trainer.address.lower()] = deployed
        return cls(deployments, provider, threading.Lock(), report)

    def get(self, address: str) -> Deployed:
        try:
            return self.deployments[address.lower()]
        except KeyError:
            raise BadRequest(f"no deployment {address} on this page") from None

    @property
    def local(self) -> bool:
        return is_local(self.provider)


# ---------------------------------------------------------------- what the page reads


def _test_part(deployed: Deployed) -> list[tuple[bytes, int]]:
    """The deployment's encoded test part, built once (kept on the Deployed)."""
    if not hasattr(deployed, "_web_test_part"):
        from ml.commands.status import _encoded_test_part

        deployed._web_test_part = _encoded_test_part(deployed, None)[0]
        deployed._web_accuracy = {}
    return deployed._web_test_part


def _accuracy(deployed: Deployed, block: int | None = None, limit: int | None = None):
    """Accuracy by view calls at `block` (None: the head) on the test part's first `limit`
    samples (None: all), or None for a market (its test set is its own); remembered per block,
    since a mined block's answer never changes."""
    from ape import chain

    samples = _test_part(deployed)[:limit]
    if not samples or deployed.mechanism.takes_test_set:
        return None
    block = chain.blocks.head.number if block is None else block
    key = (block, limit)
    if key not in deployed._web_accuracy:
        predict = deployed.trainer.predict
        correct = sum(int(predict(data, block_id=block) == y) for data, y in samples)
        deployed._web_accuracy[key] = correct / len(samples)
    return deployed._web_accuracy[key]


def model_view(deployed: Deployed) -> dict:
    from ape import chain

    trainer, m = deployed.trainer, deployed.manifest
    head = chain.blocks.head.number
    events = {
        what: len(list(getattr(trainer, name).range(deployed.start_block, head + 1)))
        for what, name in deployed.mechanism.settlement_events
    }
    added = len(list(trainer.ContributionAdded.range(deployed.start_block, head + 1)))
    deposit = trainer.requiredDeposit(block_id="pending")
    return {
        "address": trainer.address,
        "model": {"kind": m["model"]["kind"], "address": deployed.model.address},
        "classes": deployed.class_names,
        "encoder": {
            "kind": deployed.encoder.kind,
            "features": deployed.encoder.num_features,
            "hash": m["encoder"]["hash"],
            "vector": deployed.encoder.kind == "dense",
        },
        "dataset": m["dataset"]["dataset"],
        "mechanism": {
            "kind": deployed.mechanism.kind,
            "parameters": m["trainer"].get("parameters", {}),
        },
        "accuracy": {"deployment": m["model"].get("initial_accuracy"), "now": _accuracy(deployed)},
        "contributions": added,
        "settlements": events,
        "held": {"wei": str(trainer.balance), "text": wei_to_eth(trainer.balance)},
        "next_deposit": {"wei": str(deposit), "text": wei_to_eth(deposit)},
        "registry": m.get("registry"),
        "versions": versions(deployed),
        "block": head,
    }


def versions(deployed: Deployed) -> list[dict]:
    """The registry line's versions (`ape run publish`), oldest first; [] if never published."""
    from ape import project

    from ml.provenance import read_version

    where = deployed.manifest.get("registry")
    if not where:
        return []
    registry = project.ModelRegistry.at(where["address"])
    count = int(registry.versionCount(where["line"]))
    out = []
    for number in range(1, count + 1):
        v = read_version(registry, where["line"], number)
        out.append(
            {
                "version": v.number,
                "parent": v.parent,
                "model": v.model,
                "accuracy": v.accuracy_ppm / 1e6,
                "cids": {name: str(cid) for name, cid in v.cids.items()},
            }
        )
    return out


def history(deployed: Deployed) -> dict:
    """Accuracy at the deployment and after contributions (at most MAX_HISTORY_POINTS blocks,
    on the first HISTORY_SAMPLES test samples), and deposits and takes over time, from the
    trainer's events."""
    from ape import chain

    trainer, head = deployed.trainer, chain.blocks.head.number
    added = list(trainer.ContributionAdded.range(deployed.start_block, head + 1))
    blocks = sorted({deployed.start_block, *(e.block_number for e in added), head})
    step = max(1, -(-len(blocks) // MAX_HISTORY_POINTS))
    sampled = sorted({*blocks[::step], head})
    accuracy = [{"block": b, "accuracy": _accuracy(deployed, b, HISTORY_SAMPLES)} for b in sampled]
    deposits = [{"block": e.block_number, "wei": str(e.deposit)} for e in added]
    takes = []
    if any(name == "DepositTaken" for _, name in deployed.mechanism.settlement_events):
        for e in trainer.DepositTaken.range(deployed.start_block, head + 1):
            takes.append({"block": e.block_number, "wei": str(e.amount)})
    return {"accuracy": accuracy, "deposits": deposits, "takes": takes}


def standings(deployed: Deployed) -> dict:
    """Reputation by address, and each account's ETH in (deposits) and out (withdrawals)."""
    from ape import chain

    head, trainer, rep = chain.blocks.head.number, deployed.trainer, deployed.reputation
    holders = {e.to for e in rep.Transfer.range(deployed.start_block, head + 1)}
    ledger: dict[str, list[int]] = {}
    for e in trainer.ContributionAdded.range(deployed.start_block, head + 1):
        ledger.setdefault(e.contributor, [0, 0])[0] += int(e.deposit)
    for e in trainer.Withdrawn.range(deployed.start_block, head + 1):
        ledger.setdefault(e.account, [0, 0])[1] += int(e.amount)
    accounts = sorted(set(ledger) | holders)
    rows = [
        {
            "address": a,
            "reputation": int(rep.balanceOf(a)),
            "in": wei_to_eth(ledger.get(a, [0, 0])[0]),
            "out": wei_to_eth(ledger.get(a, [0, 0])[1]),
        }
        for a in accounts
    ]
    rows.sort(key=lambda r: -r["reputation"])
    return {"total_reputation": int(rep.totalSupply()), "accounts": rows}


def claims(deployed: Deployed, account: str) -> dict:
    from ape import chain

    from ml.commands.claim import claims_for, open_contributions

    contributions = open_contributions(deployed)
    offers = claims_for(deployed, account, list(contributions))
    now = chain.pending_timestamp
    rows = []
    for (data, label), event in contributions.items():
        if event.contributor.lower() != account.lower():
            continue
        offer = next((o for o in offers if o[1] == data and o[2] == label), None)
        wait = deployed.trainer.refundWait() if hasattr(deployed.trainer, "refundWait") else 0
        refund_at = int(event.addedAt) + int(wait)
        rows.append(
            {
                "id": "0x" + bytes(event.id).hex(),
                "label": deployed.class_names[label],
                "claimable": offer[0] if offer and offer[3].pays else None,
                "amount": wei_to_eth(offer[3].amount) if offer else None,
                "from": refund_at,
                "wait": max(0, refund_at - now),
            }
        )
    takes = [o for o in offers if o[0] == "report" and o[3].pays]
    credit = deployed.trainer.credits(account)
    return {"contributions": rows, "takes": len(takes), "credit": wei_to_eth(credit)}


# ---------------------------------------------------------------- what the page sends


def _sender(site: Site, account: str):
    from ape import accounts

    if not site.local:
        raise BadRequest("this server signs only on a local network: send from your wallet")
    for a in accounts.test_accounts:
        if a.address.lower() == str(account).lower():
            return a
    raise BadRequest(f"{account} is not a test account of this chain")


def _sample(deployed: Deployed, text: str) -> bytes:
    if not str(text).strip():
        raise BadRequest("give a text" + (" (numbers)" if deployed.encoder.kind == "dense" else ""))
    try:
        return deployed.encode(deployed.parse_input(text))
    except click.BadParameter as err:
        raise BadRequest(err.message) from None


def _label(deployed: Deployed, label) -> int:
    try:
        return deployed.label_index(str(label))
    except click.BadParameter as err:
        raise BadRequest(err.message) from None


def predict(deployed: Deployed, text: str) -> dict:
    data = _sample(deployed, text)
    label = client_for(deployed).call(deployed.trainer.predict, data)
    return {"label": label, "class": deployed.class_names[label]}


def prepare(deployed: Deployed, text: str, label) -> dict:
    """The contribution as a transaction for the person's wallet to sign (EIP-1193)."""
    from ape import chain

    data, index = _sample(deployed, text), _label(deployed, label)
    value = deployed.trainer.requiredDeposit(block_id="pending")
    calldata = deployed.trainer.addData.encode_input(data, index)
    return {
        "chainId": hex(chain.chain_id),
        "to": deployed.trainer.address,
        "data": "0x" + bytes(calldata).hex(),
        "value": hex(value),
        "deposit": wei_to_eth(value),
    }


def contribute(site: Site, deployed: Deployed, text: str, label, account: str, deposit=None):
    """Sends the contribution from a local test account with `deposit` wei (default: the
    required deposit now); a dry run that reverts sends nothing."""
    data, index = _sample(deployed, text), _label(deployed, label)
    sender = _sender(site, account)
    client = client_for(deployed)
    if deposit in (None, ""):
        value = client.call(deployed.trainer.requiredDeposit, block_id="pending")
    elif str(deposit).isdigit():
        value = int(deposit)
    else:
        raise BadRequest(f"deposit {deposit!r}: give wei as a whole number")
    receipt = client.send(deployed.trainer.addData, data, index, sender=sender, value=value)
    [event] = receipt.decode_logs(deployed.trainer.ContributionAdded)
    return {
        "id": "0x" + bytes(event.id).hex(),
        "tx": str(receipt.txn_hash),
        "block": receipt.block_number,
        "gas": receipt.gas_used,
        "deposit": wei_to_eth(value),
        "class": deployed.class_names[index],
    }


def claim_all(site: Site, deployed: Deployed, account: str) -> dict:
    """Every paying refund, then every paying take, then the withdrawal (as `ape run claim`)."""
    from ml.commands.claim import claims_for, open_contributions

    sender = _sender(site, account)
    client = client_for(deployed)
    keys = list(open_contributions(deployed))
    done = []
    for kind in ("refund", "report"):
        for action, data, label, offer in claims_for(deployed, sender, keys):
            if action == kind and offer.pays:
                client.send(getattr(deployed.trainer, action), data, label, sender=sender)
                done.append({"action": action, "amount": wei_to_eth(offer.amount)})
    credit = deployed.trainer.credits(sender)
    withdrawn = None
    if credit:
        client.send(deployed.trainer.withdraw, sender=sender)
        withdrawn = wei_to_eth(credit)
    if not done and withdrawn is None:
        raise BadRequest("nothing to claim or withdraw now")
    return {"claimed": done, "withdrawn": withdrawn}


# ---------------------------------------------------------------- the app


def create_app(site: Site) -> Starlette:
    def handle(work):
        """One request's chain work under the lock; a user's mistake or a refused transaction
        becomes {"error": one line} with status 400."""

        async def endpoint(request: Request):
            if request.method == "POST":
                origin = request.headers.get("origin")
                own = f"{request.url.scheme}://{request.url.netloc}"
                if origin is not None and origin != own:
                    return JSONResponse({"error": f"origin {origin} refused"}, status_code=403)
                if request.headers.get("content-type", "").split(";")[0] != "application/json":
                    return JSONResponse({"error": "send JSON"}, status_code=415)
                body = await request.json()
            else:
                body = dict(request.query_params)
            from starlette.concurrency import run_in_threadpool

            def locked():
                with site.lock:
                    return work(request.path_params, body)

            try:
                return JSONResponse(await run_in_threadpool(locked))
            except (BadRequest, ChainError) as err:
                return JSONResponse({"error": str(err).splitlines()[0]}, status_code=400)

        return endpoint

    def one(params):
        return site.get(params["address"])

    def accounts_view(_params, _body):
        from ape import accounts

        if not site.local:
            return {"local": False, "accounts": []}
        test = accounts.test_accounts
        return {
            "local": True,
            "accounts": [{"address": a.address, "balance": wei_to_eth(a.balance)} for a in test],
        }

    def report_plots(_params, _body):
        if site.report is None:
            return []
        return [f"/report/{name}" for name in REPORT_PLOTS if (site.report / name).is_file()]

    def report_file(request: Request):
        name = request.path_params["name"]
        if site.report is None or name not in REPORT_PLOTS:
            return JSONResponse({"error": "no such plot"}, status_code=404)
        return FileResponse(site.report / name)

    routes = [
        Route("/", lambda request: FileResponse(STATIC / "index.html")),
        Route("/api/report", handle(report_plots)),
        Route("/report/{name}", report_file),
        Route(
            "/api/models", handle(lambda p, b: [model_view(d) for d in site.deployments.values()])
        ),
        Route("/api/accounts", handle(accounts_view)),
        Route("/api/models/{address}", handle(lambda p, b: model_view(one(p)))),
        Route("/api/models/{address}/history", handle(lambda p, b: history(one(p)))),
        Route("/api/models/{address}/standings", handle(lambda p, b: standings(one(p)))),
        Route(
            "/api/models/{address}/claims",
            handle(lambda p, b: claims(one(p), b.get("account", ""))),
        ),
        Route(
            "/api/models/{address}/predict",
            handle(lambda p, b: predict(one(p), b.get("input", ""))),
            methods=["POST"],
        ),
        Route(
            "/api/models/{address}/prepare",
            handle(lambda p, b: prepare(one(p), b.get("input", ""), b.get("label", ""))),
            methods=["POST"],
        ),
        Route(
            "/api/models/{address}/contribute",
            handle(
                lambda p, b: contribute(
                    site,
                    one(p),
                    b.get("input", ""),
                    b.get("label", ""),
                    b.get("account", ""),
                    b.get("deposit"),
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/api/models/{address}/claim",
            handle(lambda p, b: claim_all(site, one(p), b.get("account", ""))),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    # Only the loopback names: a rebound DNS name (evil.example -> 127.0.0.1) would otherwise
    # make another site's page same-origin with this server.
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])]
    return Starlette(routes=routes, middleware=middleware)
