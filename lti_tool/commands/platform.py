"""``peerloop platform``: register, list and remove LTI platforms and their deployments."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lti_tool.db import get_session
from lti_tool.lti import registrations
from lti_tool.lti.registrations import RegistrationError

cli = AppGroup("platform", help="LTI platforms (LMS registrations) and their deployments.")


@cli.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss), an https URL.")
@click.option("--client-id", required=True, help="The client id the platform gave Peerloop.")
@click.option("--auth-url", required=True, help="The platform's OIDC authorisation URL.")
@click.option("--token-url", required=True, help="The platform's OAuth2 token URL.")
@click.option("--jwks-url", required=True, help="The platform's public keyset (JWKS) URL.")
@click.option("--audience", default=None, help="Token audience, if not the token URL.")
@click.option(
    "--deployment-id",
    "deployment_ids",
    multiple=True,
    help="A deployment id; repeat for several. Others are recorded on first launch.",
)
@click.option(
    "--frame-origin",
    "frame_origins",
    multiple=True,
    help="An origin whose pages frame the tool (Canvas: https://<school>.instructure.com); "
    "repeat for several.",
)
@click.option("--name", default=None, help="A name shown to administrators (e.g. Moodle).")
@click.option(
    "--update",
    is_flag=True,
    help="Change the values of the registration with this issuer and client id.",
)
def add(
    issuer: str,
    client_id: str,
    auth_url: str,
    token_url: str,
    jwks_url: str,
    audience: str | None,
    deployment_ids: tuple[str, ...],
    frame_origins: tuple[str, ...],
    name: str | None,
    update: bool,
) -> None:
    """Register a platform from the values its LTI 1.3 settings page shows (every bad value
    is reported at once). An issuer removed earlier comes back with its activities."""
    session = get_session()
    try:
        platform, outcome = registrations.register_platform(
            session,
            issuer=issuer,
            client_id=client_id,
            auth_login_url=auth_url,
            auth_token_url=token_url,
            key_set_url=jwks_url,
            auth_token_audience=audience,
            deployment_ids=deployment_ids,
            name=name,
            source="cli",
            update=update,
            frame_origins=frame_origins,
        )
        placements, _ = registrations.course_data(session, platform)
        session.commit()
    except RegistrationError as error:
        session.rollback()
        raise click.ClickException(error.message) from error
    deployments = ", ".join(d.deployment_id for d in platform.deployments) or "none yet"
    verb = {"added": "Registered", "updated": "Updated", "reactivated": "Registered again"}
    click.echo(
        f"{verb[outcome]} {platform.issuer} (client id {platform.client_id}); "
        f"deployments: {deployments}."
    )
    if outcome == "reactivated":
        click.echo(f"Its {_count(placements, 'activity', 'activities')} in courses work again.")


@cli.command("list")
def list_() -> None:
    """Show every registered platform with its deployments."""
    platforms = registrations.list_platforms(get_session())
    if not platforms:
        click.echo("No platform is registered. Add one with `peerloop platform add`.")
        return
    for platform in platforms:
        removed = "" if platform.active else "  (removed: launches refused, activities kept)"
        click.echo(
            f"{platform.issuer}  client_id={platform.client_id}  source={platform.source}{removed}"
        )
        if platform.name:
            click.echo(f"  name:        {platform.name}")
        click.echo(f"  login URL:   {platform.auth_login_url}")
        click.echo(f"  token URL:   {platform.auth_token_url}")
        if platform.auth_token_audience:
            click.echo(f"  audience:    {platform.auth_token_audience}")
        click.echo(f"  keyset URL:  {platform.key_set_url}")
        if platform.frame_origins:
            click.echo(f"  framed from: {platform.frame_origins}")
        ids = ", ".join(d.deployment_id for d in platform.deployments) or "none yet"
        click.echo(f"  deployments: {ids}")


@cli.command("remove")
@click.option("--issuer", required=True, help="The platform's issuer.")
@click.option("--client-id", required=True, help="The client id of the registration.")
@click.option(
    "--delete-data",
    is_flag=True,
    help="Also delete its activities and their grade records (cannot be undone).",
)
def remove(issuer: str, client_id: str, delete_data: bool) -> None:
    """Remove a registration; its launches stop working. One that has activities in courses
    is deactivated, its data kept (adding it again brings them back), unless --delete-data."""
    session = get_session()
    try:
        removal = registrations.remove_platform(session, issuer, client_id, delete_data=delete_data)
        session.commit()
    except RegistrationError as error:
        session.rollback()
        raise click.ClickException(error.message) from error
    platform = removal.platform
    data = (
        f"{_count(removal.placements, 'activity', 'activities')} and "
        f"{_count(removal.grade_records, 'grade record', 'grade records')}"
    )
    if removal.outcome == "deactivated":
        click.echo(
            f"Deactivated {platform.issuer} (client id {platform.client_id}): its launches are "
            f"refused; its {data} are kept. `peerloop platform add` with this issuer brings "
            "them back; `--delete-data` deletes them."
        )
    elif removal.placements:
        click.echo(
            f"Removed {platform.issuer} (client id {platform.client_id}) and deleted {data}."
        )
    else:
        click.echo(f"Removed {platform.issuer} (client id {platform.client_id}).")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
