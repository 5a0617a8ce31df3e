"""What a validated LTI launch told us: the context every page inside the LMS iframe gets.

Plain data (no Flask): built by ``lti.launch`` from the id_token's claims, carried between
requests inside the signed launch token (``lti_tool.auth``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from activities.people import STAFF_ROLES, Participant
from activities.recording import Visit
from lti_tool.config import Settings


@dataclass(frozen=True)
class LaunchContext:
    """What a validated LTI launch told us. Roles are normalised short names (see lti.roles)."""

    platform_id: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str | None
    roles: tuple[str, ...] = ()
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    #: The LMS (``https://purl.imsglobal.org/spec/lti/claim/tool_platform``), if sent.
    tool_platform: dict[str, Any] = field(default_factory=dict)
    #: Deep-linking settings claim, on LtiDeepLinkingRequest only.
    deep_linking_settings: dict[str, Any] | None = None
    #: AGS endpoint claim (scopes, lineitems, lineitem), if the platform offers AGS.
    ags_endpoint: dict[str, Any] | None = None
    #: NRPS claim (context_memberships_url), if the platform offers NRPS.
    nrps: dict[str, Any] | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    #: The launch's ``target_link_uri``: a placement's link carries its key in it (see
    #: ``lti.placement_links``).
    target_link_uri: str | None = None
    #: Server-side id of this launch (generated per launch; the id_token's own ``jti`` is
    #: not trusted to be unique across platforms).
    launch_id: str = ""
    #: When the launch was validated (seconds since the epoch), carried so that statements of
    #: later requests (``terminated``) need not look it up.
    launched_at: float = 0.0

    @property
    def is_staff(self) -> bool:
        return bool(STAFF_ROLES.intersection(self.roles))

    @property
    def participant(self) -> Participant | None:
        """The person, as the domain's rules see them; None for an anonymous launch."""
        if not self.sub:
            return None
        return Participant(
            platform_id=self.platform_id,
            issuer=self.issuer,
            sub=self.sub,
            name=self.name,
            email=self.email,
            roles=self.roles,
        )

    @property
    def is_learner(self) -> bool:
        return "Learner" in self.roles

    def to_dict(self) -> dict[str, Any]:
        # Shallow (the token's JSON copies the claim dicts anyway): asdict's deep copy of every
        # claim was a good part of a launch's token.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LaunchContext:
        data = dict(data)
        data["roles"] = tuple(data.get("roles", ()))
        return cls(**data)

    def visit(self, settings: Settings) -> Visit:
        """This launch as the domain records it (see ``activities.recording``)."""
        platform = {k: v for k, v in self.tool_platform.items() if isinstance(v, str)}
        return Visit(
            tool_url=settings.base_url,
            options=settings.xapi_options(),
            version=settings.lrs_version,
            launch_id=self.launch_id,
            launched_at=datetime.fromtimestamp(self.launched_at, UTC) if self.launched_at else None,
            course_id=self.context_id,
            course_title=self.context_title,
            resource_link_id=self.resource_link_id,
            tool_platform=platform,
            language=self.locale,
            ags_endpoint=dict(self.ags_endpoint) if self.ags_endpoint else None,
        )
