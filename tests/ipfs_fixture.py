"""A real IPFS node for the tests: the pure-JS `ipfs` daemon from the project's node_modules
(`make setup` installs it), started offline on loopback with a fresh repository and free ports
for the test session, and stopped after it. Nothing here reaches the internet: no swarm
addresses, no bootstrap peers, no delegates, no preload."""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JSIPFS = ROOT / "node_modules" / ".bin" / "jsipfs"
READY_TIMEOUT = 120  # seconds; a cold start on a busy 2-core machine takes ~10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def ipfs_node(tmp_path_factory):
    """The node's API address, e.g. http://127.0.0.1:40123."""
    if not JSIPFS.exists():
        pytest.fail(f"{JSIPFS} is missing: run `make setup` (it installs the IPFS node)")
    repo = tmp_path_factory.mktemp("ipfs-repo")
    env = {**os.environ, "IPFS_PATH": str(repo)}
    subprocess.run(
        [JSIPFS, "init", "--empty-repo"], env=env, check=True, capture_output=True, timeout=120
    )
    config_path = repo / "config"
    config = json.loads(config_path.read_text())
    api = _free_port()
    config["Addresses"].update(
        Swarm=[],
        Announce=[],
        API=f"/ip4/127.0.0.1/tcp/{api}",
        Gateway=f"/ip4/127.0.0.1/tcp/{_free_port()}",
        RPC=f"/ip4/127.0.0.1/tcp/{_free_port()}",
        Delegates=[],
    )
    config["Bootstrap"] = []
    config.setdefault("Discovery", {}).update(
        MDNS={"Enabled": False}, webRTCStar={"Enabled": False}
    )
    config_path.write_text(json.dumps(config))
    log = open(repo / "daemon.log", "w")  # noqa: SIM115 (kept open while the daemon runs)
    daemon = subprocess.Popen(
        [JSIPFS, "daemon", "--offline", "--enable-preload=false"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while "Daemon is ready" not in (repo / "daemon.log").read_text():
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the IPFS daemon did not start:\n{(repo / 'daemon.log').read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{api}"
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
