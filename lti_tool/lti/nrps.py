"""LTI Names and Role Provisioning Services 2.0 client: the course roster.

Paging follows the ``Link: <…>; rel="next"`` header with the URL exactly as the platform gave
it (pylti1p3 lowercases the header and so breaks Moodle's mixed-case paging URLs). Roles come
back as short names on some platforms (Moodle) and as URIs on others: both are normalised to
the short names launches use.

``RosterCache`` keeps a roster in the shared launch store for ``ROSTER_CACHE_SECONDS``: an
instructor's placement page shows it, and reloading that page (or coming back to it after
sending a score) must not walk every roster page of the platform again each time.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from lti_tool.lti.claims import SCOPE_NRPS
from lti_tool.lti.launch_state import LaunchStore
from lti_tool.lti.roles import normalise_roles
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient

MEMBERSHIPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200
#: How long a fetched roster is shown before it is fetched again (enrolments change rarely).
ROSTER_CACHE_SECONDS = 120


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    status: str = "Active"
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None

    @property
    def is_learner(self) -> bool:
        return "Learner" in self.roles

    @classmethod
    def from_json(cls, data: Any) -> Member:
        if not isinstance(data, dict) or not data.get("user_id"):
            raise PlatformServiceError("The platform sent a roster member without a user_id.")
        return cls(
            user_id=str(data["user_id"]),
            roles=normalise_roles(
                value for value in data.get("roles") or () if isinstance(value, str)
            ),
            status=str(data.get("status") or "Active"),
            name=data.get("name"),
            given_name=data.get("given_name"),
            family_name=data.get("family_name"),
            email=data.get("email"),
        )


class NrpsClient:
    """The roster of one course (the launch's ``context_memberships_url``)."""

    def __init__(self, client: ServiceClient, context_memberships_url: str) -> None:
        self.client = client
        self.url = context_memberships_url

    def members(self, *, limit: int | None = None) -> list[Member]:
        """Every member, all pages. ``limit`` is the page size asked of the platform."""
        url: str | None = self.url
        params = {"limit": str(limit)} if limit else None
        members: list[Member] = []
        pages = 0
        while url and pages < MAX_PAGES:
            response = self.client.request(
                "GET", url, scopes=(SCOPE_NRPS,), accept=MEMBERSHIPS_MEDIA, params=params
            )
            body = self.client.json_body(response)
            if not isinstance(body, dict) or not isinstance(body.get("members"), list):
                raise PlatformServiceError("The platform's roster had no member list.", url=url)
            members.extend(Member.from_json(entry) for entry in body["members"])
            # The next URL is used verbatim: it already carries the paging parameters.
            url = response.links.get("next", {}).get("url")
            params = None
            pages += 1
        return members


class RosterCache:
    """A course roster kept in the shared launch store, keyed by platform and URL (so two
    courses or two LMSs never share one). Only successful fetches are saved: after a failure
    the next view tries again."""

    def __init__(self, store: LaunchStore, platform_id: int, url: str) -> None:
        self.store = store
        self.key = "nrps:" + hashlib.sha256(f"{platform_id} {url}".encode()).hexdigest()

    def get(self) -> list[Member] | None:
        cached = self.store.get(self.key)
        if cached is None:
            return None
        return [Member(**(entry | {"roles": tuple(entry["roles"])})) for entry in cached["members"]]

    def put(self, members: list[Member]) -> None:
        self.store.put(self.key, {"members": [asdict(m) for m in members]}, ROSTER_CACHE_SECONDS)
