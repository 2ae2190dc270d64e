"""The web page (ml/web) in real headless Chromium (Debian's, driven by Playwright) against the
session's chain: load the page, predict (the mirror's answer), contribute from test accounts,
move time, claim a refund and a take, withdraw, and see the standings and plots update; bad
input (an empty text, an unknown label, too small a deposit) shows its one-line error and sends
nothing. Screenshots go to reports/web/ for a reviewer."""

import json
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import encodable, informative_and_wrong

from ml.commands import deploy
from ml.commands.common import Deployed
from ml.datasets import sample_reviews
from ml.encoders import Encoder
from ml.models import NaiveBayes

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on PATH: `make test` installs Debian's chromium first"
)
SHOTS = Path(__file__).parents[2] / "reports" / "web"
# the deployment's refund wait, seconds: long enough that a slow run on anvil (whose clock is
# the wall clock) never reaches it by itself; the test moves the clock past it
WAIT = 3600
#: as the probe of this machine starts it: root needs --no-sandbox; the rest keeps Chromium off
#: the network it cannot reach
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def manifest_path(chain, tmp_path):
    path = tmp_path / "deployment.json"
    args = ["--model", "naive-bayes", "--refund-wait", f"{WAIT}s", "--any-address-wait", "2h"]
    network = chain.provider.network_choice
    result = CliRunner().invoke(deploy.cli, [*args, "--out", str(path), "--network", network])
    assert result.exit_code == 0, result.output
    return path


@contextmanager
def serving(manifest_path, chain, report=None):
    import uvicorn

    from ml.chain.local import _free_port
    from ml.web.server import Site, create_app

    site = Site.open([manifest_path], chain.provider, report)
    port = _free_port(0)
    server = uvicorn.Server(
        uvicorn.Config(create_app(site), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", site
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def _ready(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def _submit(page, form, result_id):
    """Submits `form` and returns (result, error) once either is shown."""
    page.eval_on_selector(f"#{result_id}-result", "e => e.textContent = ''")
    page.eval_on_selector(f"#{result_id}-error", "e => e.textContent = ''")
    page.click(f"#{form} button")
    page.wait_for_function(
        f"document.getElementById('{result_id}-result').textContent || "
        f"document.getElementById('{result_id}-error').textContent"
    )
    return page.inner_text(f"#{result_id}-result"), page.inner_text(f"#{result_id}-error")


def test_browse_predict_contribute_claim_and_standings(manifest_path, chain, accounts, project):
    manifest = json.loads(manifest_path.read_text())
    encoder = Encoder.from_spec(manifest["encoder"]["spec"])
    mirror = NaiveBayes.from_contract(project.NaiveBayes.at(manifest["model"]["address"]))
    candidates = [t for t in sample_reviews().texts_train if encodable(encoder, t)]
    good_text, good_label, bad_text, bad_label = informative_and_wrong(mirror, encoder, candidates)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with serving(manifest_path, chain) as (url, site), browser_page() as page:
        _ready(page, url)
        facts = page.inner_text("#facts")
        assert "naive-bayes" in facts and "deposit-refund-take" in facts, facts
        assert manifest["trainer"]["address"] in facts

        # Predict: the free view call's answer is the mirror's.
        texts = [t for t in sample_reviews().texts_test if encodable(encoder, t)][:3]
        for text in texts:
            page.fill("#predict-input", text)
            result, error = _submit(page, "predict-form", "predict")
            expected = mirror.classes_[mirror.predict_fixed(encoder.encode(text))]
            assert (result, error) == (f"Predicted: {expected}", "")

        # Contribute: the good sample from accounts[1], the wrongly labelled one from [2].
        trainer = Deployed(manifest, chain.provider).trainer
        for text, label, account in ((good_text, good_label, 1), (bad_text, bad_label, 2)):
            page.select_option("#account", accounts[account].address)
            page.fill("#contribute-input", text)
            page.select_option("#label", label)
            result, error = _submit(page, "contribute-form", "contribute")
            assert result.startswith(f"Contributed as {label} with a deposit of"), (result, error)
        page.wait_for_function("document.querySelectorAll('#ranking tbody tr').length >= 2")
        page.screenshot(path=str(SHOTS / "contributed.png"), full_page=True)
        assert trainer.balance > 0

        # Before the wait: nothing to claim.
        page.select_option("#account", accounts[1].address)
        page.wait_for_function("document.querySelectorAll('#claims tbody tr').length == 1")
        assert "wait" in page.inner_text("#claims tbody")
        page.click("#claim-button")
        page.wait_for_function(
            "document.getElementById('claim-error').textContent || "
            "document.getElementById('claim-result').textContent"
        )
        assert page.inner_text("#claim-error") == "nothing to claim or withdraw now"

        # After it: the refund, the take of the wrong one, the withdrawal.
        with site.lock:  # the provider is the server's too: not while it reads the chain
            chain.pending_timestamp += WAIT + 1
        page.select_option("#account", accounts[2].address)  # re-read the claims
        page.select_option("#account", accounts[1].address)
        # the refund is claimable now; the take needs the reputation the refund earns first
        page.wait_for_function(
            "document.querySelector('#claims tbody').textContent.includes('refund')"
        )
        before = accounts[1].balance
        page.click("#claim-button")
        page.wait_for_function("document.getElementById('claim-result').textContent")
        claimed = page.inner_text("#claim-result")
        assert claimed.startswith("Claimed: refund ") and ", report " in claimed, claimed
        assert "withdrew" in claimed and "withdrew nothing" not in claimed
        assert accounts[1].balance > before and trainer.credits(accounts[1]) == 0

        # The standings: accounts[1] leads with the reputation its refund earned; the plots
        # have their lines, the model view its settlements.
        page.wait_for_function(
            f"document.querySelector('#ranking tbody tr').dataset.address === "
            f"'{accounts[1].address}'"
        )
        first = page.inner_text("#ranking tbody tr:first-child")
        assert "\t1\t" in first, first
        assert page.locator("#accuracy-plot polyline").count() == 1
        assert page.locator("#money-plot polyline").count() == 2
        assert "refunds 1, takes 1" in page.inner_text("#facts")
        page.screenshot(path=str(SHOTS / "page.png"), full_page=True)


def test_bad_input_shows_one_line_and_sends_nothing(manifest_path, chain, accounts):
    with serving(manifest_path, chain) as (url, _site), browser_page() as page:
        _ready(page, url)
        nonces = [a.nonce for a in accounts]
        page.fill("#predict-input", "   ")
        assert _submit(page, "predict-form", "predict") == ("", "give a text")

        page.fill("#contribute-input", "")
        assert _submit(page, "contribute-form", "contribute") == ("", "give a text")

        page.fill("#contribute-input", "A warm, funny film.")
        page.fill("#deposit-input", "1")
        result, error = _submit(page, "contribute-form", "contribute")
        assert result == "" and error.startswith("InsufficientDeposit(sent=1, required="), error

        page.fill("#deposit-input", "")  # the required deposit, but a label the model lacks
        page.eval_on_selector("#label", "s => s.add(new Option('nonsense', 'nonsense'))")
        page.select_option("#label", "nonsense")
        result, error = _submit(page, "contribute-form", "contribute")
        assert error.startswith("'nonsense' is not a class of this model"), error
        page.screenshot(path=str(SHOTS / "error.png"), full_page=True)
        assert [a.nonce for a in accounts] == nonces, "a transaction was sent"


def test_a_request_from_another_site_is_refused(manifest_path, chain):
    """Another site's page must not make this server send from the local accounts: neither
    by a cross-origin POST nor through a DNS name rebound to 127.0.0.1."""
    import urllib.error
    import urllib.request

    with serving(manifest_path, chain) as (url, site):
        address = next(iter(site.deployments))
        request = urllib.request.Request(
            f"{url}/api/models/{address}/contribute",
            data=b'{"input": "x", "label": "positive", "account": "0x0"}',
            headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
        # DNS rebinding: evil.example resolved to 127.0.0.1 makes its page same-origin
        rebound = urllib.request.Request(
            f"{url}/api/models/{address}/contribute",
            data=b'{"input": "x", "label": "positive", "account": "0x0"}',
            headers={
                "Content-Type": "application/json",
                "Origin": "http://evil.example:8000",
                "Host": "evil.example:8000",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=10)
        assert refused.value.code == 400


SHIM = """
window.ethereum = {
  request: async ({ method, params }) => {
    if (method === "eth_requestAccounts") return [%(address)r];
    if (method === "eth_chainId") return %(chain)r;
    if (method === "eth_sendTransaction") return await window.walletSend(JSON.stringify(params[0]));
    throw new Error("unsupported " + method);
  },
};
"""


def test_a_wallet_sends_what_the_server_prepared(manifest_path, chain, accounts, tmp_path):
    """An injected EIP-1193 provider (a stand-in for MetaMask that signs with a test account)
    is offered the prepared contribution; a wallet on another chain is refused with nothing
    sent. The registry's versions and a simulation report's plots are shown."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ape import networks

    from ml.commands import publish

    network = chain.provider.network_choice
    published = CliRunner().invoke(
        publish.cli,
        [
            "--deployment",
            str(manifest_path),
            "--store",
            str(tmp_path / "store"),
            "--network",
            network,
        ],
    )
    assert published.exit_code == 0, published.output
    report = tmp_path / "report"
    report.mkdir()
    plt.plot([1, 2, 3])
    plt.savefig(report / "accuracy.png")
    plt.close()

    wallet, sent = accounts[3], []

    def wallet_send(raw):
        tx = json.loads(raw)
        assert tx["from"] == wallet.address
        txn = networks.provider.network.ecosystem.create_transaction(
            sender=wallet.address,
            receiver=tx["to"],
            data=bytes.fromhex(tx["data"][2:]),
            value=int(tx["value"], 16),
            chain_id=chain.chain_id,
        )
        receipt = wallet.call(txn)
        sent.append(receipt)
        return str(receipt.txn_hash)

    manifest = json.loads(manifest_path.read_text())
    trainer = Deployed(manifest, chain.provider).trainer
    for chain_id, ok in ((hex(chain.chain_id), True), ("0x1", False)):
        with serving(manifest_path, chain, report) as (url, _site), browser_page() as page:
            page.expose_function("walletSend", wallet_send)
            page.add_init_script(SHIM % {"address": wallet.address, "chain": chain_id})
            _ready(page, url)
            if ok:
                [version] = page.locator("#versions tbody tr").all_inner_texts()
                assert version.startswith("1\t-\t") and "\tbafkrei" in version, version
                page.wait_for_function("document.querySelector('img.report').naturalWidth > 0")
            page.select_option("#account", "wallet")
            page.fill("#contribute-input", "A warm, funny film.")
            page.select_option("#label", "positive")
            result, error = _submit(page, "contribute-form", "contribute")
            if ok:
                assert result.startswith(f"sent from {wallet.address} with a deposit of"), error
                [event] = sent[0].decode_logs(trainer.ContributionAdded)
                assert event.contributor == wallet.address and f"tx {sent[0].txn_hash}" in result
                page.screenshot(path=str(SHOTS / "wallet.png"), full_page=True)
            else:
                assert error == f"the wallet is on chain 0x1, the model on {hex(chain.chain_id)}"
                assert len(sent) == 1, "the wallet was asked to send on the wrong chain"


def test_a_report_directory_without_plots_is_refused(manifest_path, chain, tmp_path):
    from ml.web.server import BadRequest, Site

    with pytest.raises(BadRequest, match="has no accuracy.png or balances.png"):
        Site.open([manifest_path], chain.provider, tmp_path)
