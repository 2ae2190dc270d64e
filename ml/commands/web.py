"""`ape run web`: the web page for one or more deployments (ml/web), served on 127.0.0.1 until
interrupted: browse the models, predict for free, contribute, claim, see the standings."""

from __future__ import annotations

from pathlib import Path

import click

from ml.commands.common import connected, network_option, one_line_errors


@click.command()
@click.option(
    "--deployment",
    "manifest_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A manifest `ape run deploy` wrote (repeat for several) [default: deployment.json].",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--report",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A simulation report directory (`ape run simulate --out DIR`) whose plots to show.",
)
@network_option
@one_line_errors
def cli(manifest_paths, port, report, network):
    """Serve the page at http://127.0.0.1:PORT (Ctrl-C stops it)."""
    import uvicorn

    from ml.web.server import Site, create_app

    with connected(network) as provider:
        site = Site.open(list(manifest_paths) or [Path("deployment.json")], provider, report)
        click.echo(f"Serving {len(site.deployments)} model(s) at http://127.0.0.1:{port}")
        uvicorn.run(create_app(site), host="127.0.0.1", port=port, log_level="warning")
