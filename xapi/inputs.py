"""Plain inputs to the statement builders: who acted, where, on what, when, and with which
installation options. No database or web objects, so callers map their rows onto these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PostKind = Literal["thread", "post", "reply", "question", "reflection"]
ActivityKind = Literal["reflection", "discussion", "cohort"]


@dataclass(frozen=True)
class Who:
    """A person as the LMS identified them in the LTI launch."""

    issuer: str  # LTI iss: the account's homePage
    sub: str  # LTI sub: the account name, unless pseudonymised
    name: str | None = None  # sent only when the installation turns names on
    email: str | None = None  # sent only when the installation turns e-mail on


@dataclass(frozen=True)
class Cohort:
    id: str  # our cohort id (or the LMS group id it came from)
    name: str | None = None
    round: int | None = None  # the cohort's current round, 1-based


@dataclass(frozen=True)
class Where:
    """The LTI placement an interaction happened in."""

    tool_url: str  # the tool's base URL: our activity IRIs live under it
    course_id: str  # LTI context id
    # Peerloop's placement key: it exists from Deep Linking on (the resource link id only from
    # the first launch) and stays the same in a course copy, so the activity IRI is built on it
    placement_id: str
    deployment_id: str
    activity_kind: ActivityKind = "reflection"
    course_title: str | None = None
    placement_title: str | None = None
    tool_platform: Mapping[str, str] | None = None  # the LTI tool_platform claim
    language: str | None = None  # the launch locale, e.g. "en" or "fr_CA"
    cohort: Cohort | None = None  # the learner's cohort here, if any
    instructor: Who | None = None  # the course's instructor, when the caller knows one
    resource_link_id: str | None = None  # the platform's LTI resource_link.id, when known


@dataclass(frozen=True)
class XapiOptions:
    """Per-installation choices about what statements may reveal."""

    # set: account name = HMAC-SHA256(secret, sub), its first 128 bits in hex (32 characters)
    pseudonymize_secret: str | None = None
    include_names: bool = False  # Agent.name from the LMS (never when pseudonymising)
    # Agent identified by mbox instead of the account when the e-mail is known (one IFI only);
    # never when pseudonymising
    include_email: bool = False
    include_text: bool = True  # result.response and titles carry what people wrote

    def __post_init__(self) -> None:
        # The one check of the secret: lti_tool's settings build these options to validate.
        if self.pseudonymize_secret is not None and not self.pseudonymize_secret:
            raise ValueError(
                "pseudonymising needs a non-empty secret (PEERLOOP_XAPI_PSEUDONYM_SECRET; keep "
                "it: changing it changes every learner's pseudonym)"
            )


@dataclass(frozen=True)
class Row:
    """The stored row an interaction is recorded from: it makes the statement id and time."""

    kind: str  # the kind of row (table), e.g. "post", "reaction", "launch"
    id: str | int
    at: datetime  # when it happened; must be timezone-aware


@dataclass(frozen=True)
class Post:
    """A thread, post, reply, question or reflection: anything people write."""

    id: str | int
    kind: PostKind = "post"
    text: str | None = None
    title: str | None = None
    parent: Post | None = None  # the thread it is in, or the post it answers
    author: Who | None = None  # for statements about someone else's post
    anonymous_to_peers: bool = False


@dataclass(frozen=True)
class Prompt:
    """A reflection prompt (an open question)."""

    id: str | int
    text: str
    title: str | None = None
