"""The commands' default chain: one anvil that outlives each command, so that `deploy`,
`contribute` and `claim` run in separate processes see the same chain. It listens on
127.0.0.1, uses the test mnemonic (ape's test accounts are its funded accounts) and saves its
state in `.chain/` every few seconds and when stopped, so a restart resumes it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from ml.errors import CollabMLError

MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_DIR = Path(".chain")
START_SECONDS = 30
STOP_SECONDS = 30


class LocalChainError(CollabMLError, RuntimeError):
    """The local chain cannot be started or reached."""


def _responds(uri: str) -> bool:
    request = urllib.request.Request(
        uri,
        data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return b"result" in response.read()
    except OSError:
        return False


def _free_port(preferred: int = 8545) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise LocalChainError("no free local port for anvil")


def running(directory: Path = DEFAULT_DIR) -> dict | None:
    """{"uri", "pid"} of the local chain if it is up, else None."""
    info_path = directory / "chain.json"
    if not info_path.is_file():
        return None
    info = json.loads(info_path.read_text())
    return info if _responds(info["uri"]) else None


def launch(args: list[str], *, port: int | None = None, detach: bool = False, log=None):
    """Starts anvil with `args` on 127.0.0.1 (`port`, else a free one, preferring 8545) and
    returns (process, uri) once it answers. `detach`: it outlives this process; `log`: a file
    for its output (else it is discarded, errors aside)."""
    anvil = shutil.which("anvil")
    if anvil is None:
        raise LocalChainError("anvil not found: run `make setup` and put .venv/bin on PATH")
    port = port or _free_port()
    uri = f"http://127.0.0.1:{port}"
    command = [anvil, "--host", "127.0.0.1", "--port", str(port), *args]
    output = log or subprocess.DEVNULL
    process = subprocess.Popen(
        command, stdout=output, stderr=log or subprocess.PIPE, start_new_session=detach
    )
    deadline = time.monotonic() + START_SECONDS
    while not _responds(uri):
        if process.poll() is not None:
            detail = process.stderr.read().decode().strip() if process.stderr else ""
            raise LocalChainError(f"anvil exited at start {detail}".strip())
        if time.monotonic() > deadline:
            process.terminate()
            raise LocalChainError(f"anvil did not answer at {uri} within {START_SECONDS} s")
        time.sleep(0.05)
    return process, uri


def ensure(directory: Path = DEFAULT_DIR) -> str:
    """The local chain's URI, starting it in the background if it is not running."""
    if info := running(directory):
        return info["uri"]
    directory.mkdir(parents=True, exist_ok=True)
    args = ["--mnemonic", MNEMONIC, "--hardfork", "prague"]
    args += ["--state", str(directory / "state.json"), "--state-interval", "5"]
    with (directory / "anvil.log").open("ab") as log:
        process, uri = launch(args, detach=True, log=log)
    (directory / "chain.json").write_text(json.dumps({"uri": uri, "pid": process.pid}))
    return uri


def _exited(pid: int) -> bool:
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)  # started by this process: reap it
        return reaped == pid
    except ChildProcessError:  # another process's child: is it still there?
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def stop(directory: Path = DEFAULT_DIR, *, forget: bool = False) -> bool:
    """Stops the local chain and waits until it has exited: anvil stops answering before it
    has written its state, so "no longer answers" is not "saved". `forget` also deletes that
    state. Returns whether a chain was running."""
    info = running(directory)
    if info:
        os.kill(info["pid"], signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while not _exited(info["pid"]):
            if time.monotonic() > deadline:
                raise LocalChainError(
                    f"anvil (pid {info['pid']}) did not exit within {STOP_SECONDS} s of SIGTERM"
                )
            time.sleep(0.05)
    if forget:
        for name in ("state.json", "chain.json"):
            (directory / name).unlink(missing_ok=True)
    return info is not None
