"""Registering the sandbox as a platform in the tool's database (issuer = sandbox URL)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.lti import registrations
from lti_tool.models import Platform
from sandbox.app import registration_values
from sandbox.flavour import MOODLE, SandboxFlavour


def register_with_tool(
    session: Session, base_url: str, flavour: SandboxFlavour = MOODLE
) -> tuple[Platform, bool]:
    """The sandbox's Platform row, added if missing (flushed); True when newly added."""
    values = registration_values(base_url, flavour)
    existing = registrations.find_platform(session, values["issuer"], values["client_id"])
    if existing is not None:
        return existing, False
    return registrations.add_platform(session, **values), True
