"""``peerloop sandbox run``: a local LMS to try Peerloop with, registered with the tool."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from lti_tool.db import current_settings, get_session

cli = AppGroup("sandbox", help="The sandbox LMS: a local platform for trying Peerloop.")


@cli.command("run")
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--database",
    default="sqlite:///instance/sandbox.sqlite",
    show_default=True,
    help="The sandbox's own storage (never the tool's database).",
)
@click.option(
    "--flavour",
    # The names of sandbox.flavour.FLAVOURS, listed here so that --help works without the
    # optional 'sandbox' extra (a test keeps the two lists the same).
    type=click.Choice(["moodle", "canvas", "chamilo"]),
    default="moodle",
    show_default=True,
    help="Behave as a generic (Moodle-like) LMS, like Canvas (shared issuer, school on "
    "another origin, Canvas's placement, storage, paging and line-item rules) or like "
    "Chamilo 1.11 (per-course deployments, custom dropped, pasted tool key, strict AGS); "
    "see sandbox/flavour.py.",
)
def run(port: int, host: str, database: str, flavour: str) -> None:
    """Register the sandbox with the tool's database and serve it until Ctrl-C."""
    config = current_settings()
    if config.is_production:
        raise click.ClickException(
            "The sandbox LMS is a development aid and does not run with PEERLOOP_ENV=production."
        )
    try:
        from sandbox import FLAVOURS, create_sandbox_app
        from sandbox.tool_registration import register_with_tool
    except ImportError as exc:  # lti1p3platform is an optional dependency
        raise click.ClickException(
            f"The sandbox needs the 'sandbox' extra (pip install 'peerloop[sandbox]'): {exc}"
        ) from exc
    if database.startswith("sqlite:///") and ":memory:" not in database:
        from pathlib import Path

        Path(database.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    base_url = f"http://{host}:{port}"
    session = get_session()
    behaviour = FLAVOURS[flavour]
    platform, added = register_with_tool(session, base_url, behaviour)
    session.commit()
    click.echo(
        f"{'Registered' if added else 'Already registered'}: sandbox {platform.issuer} "
        f"(client id {platform.client_id}) with the tool at {config.base_url}."
    )
    app = create_sandbox_app(
        base_url=base_url, tool_url=config.base_url, database_url=database, flavour=behaviour
    )
    click.echo(f"Sandbox LMS on {base_url} — open it in a browser. Ctrl-C stops it.")
    if behaviour.shared_host:
        click.echo(
            f"Behaving like {flavour}: its course pages (the school's origin) are at "
            f"{base_url}; open them there, not on the shared login host."
        )
    if behaviour.tool_key_pasted:
        click.echo(
            f"Behaving like {flavour}: paste the tool's public key (peerloop keys list --pem) "
            f"at {base_url}/admin/tool-key before adding activities."
        )
    run_simple(host, port, app, threaded=True, use_reloader=False)
