"""`ape run chain`: the persistent local chain the commands use by default."""

from __future__ import annotations

import click

from ml.chain import local


@click.command()
@click.argument("action", type=click.Choice(["start", "stop", "status", "reset"]))
def cli(action):
    """Start, stop or reset (stop and forget its state) the local chain, or show its status."""
    if action == "start":
        click.echo(f"Local chain at {local.ensure()} (state in {local.DEFAULT_DIR}/)")
    elif action == "status":
        info = local.running()
        click.echo(f"Local chain at {info['uri']}, pid {info['pid']}" if info else "Not running")
    else:
        was_running = local.stop(forget=action == "reset")
        click.echo(
            ("Stopped" if was_running else "Was not running")
            + ("; its state is deleted" if action == "reset" else "")
        )
