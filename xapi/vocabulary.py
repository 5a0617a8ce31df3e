"""Every verb, activity type and extension IRI Peerloop's statements use, in one place.

Registered IRIs (ADL, tincanapi.com registry, ActivityStreams, AcrossX, DoD ISD) are used where
one exists, so LRS dashboards and other tools already know them; the rest live under one base IRI
of ours and are defined by the xAPI Profile generated from this module (xapi.profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BASE = "https://peerloop.org/xapi"
PROFILE_IRI = f"{BASE}/profile"
# Statements carry the *version* IRI as their category, as the xAPI Profiles spec asks.
PROFILE_VERSION = "v1"
PROFILE_VERSION_IRI = f"{PROFILE_IRI}/{PROFILE_VERSION}"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"

ExtensionKind = Literal["context", "result"]


@dataclass(frozen=True)
class _Term:
    iri: str

    @property
    def ours(self) -> bool:
        """Defined by our profile (no registered IRI existed)."""
        return self.iri.startswith(BASE)


@dataclass(frozen=True)
class Verb(_Term):
    display: str  # en display, as sent in statements
    definition: str  # what it means in Peerloop, for the profile


@dataclass(frozen=True)
class ActivityType(_Term):
    label: str
    definition: str


@dataclass(frozen=True)
class Extension(_Term):
    label: str
    definition: str
    kind: ExtensionKind
    json_type: str  # JSON Schema type of the value, published as the profile's inlineSchema


def _adl(name: str) -> str:
    return f"http://adlnet.gov/expapi/verbs/{name}"


def _ours(kind: str, name: str) -> str:
    return f"{BASE}/{kind}/{name}"


# --- verbs -----------------------------------------------------------------------------------

LAUNCHED = Verb(_adl("launched"), "launched", "Opened a Peerloop activity from the LMS.")
INITIALIZED = Verb(
    _adl("initialized"), "initialized", "Started a session in an activity after launch."
)
TERMINATED = Verb(_adl("terminated"), "terminated", "Ended a session in an activity.")
COMPLETED = Verb(_adl("completed"), "completed", "Met the participation rule the instructor set.")
VIEWED = Verb(
    "http://id.tincanapi.com/verb/viewed", "viewed", "Looked at an activity, thread or post."
)
ANSWERED = Verb(
    _adl("answered"), "answered", "Wrote a reflection on a prompt, or answered a question."
)
POSTED = Verb("https://w3id.org/xapi/acrossx/verbs/posted", "posted", "Posted a new contribution.")
EDITED = Verb(
    "https://w3id.org/xapi/acrossx/verbs/edited", "edited", "Changed the text of own post."
)
DELETED = Verb("http://activitystrea.ms/delete", "deleted", "Removed a post.")
REPLIED = Verb("http://id.tincanapi.com/verb/replied", "replied", "Replied to a post.")
REACTED = Verb(
    "https://w3id.org/xapi/dod-isd/verbs/reacted",
    "reacted",
    "Reacted to a peer's post (helpful, made me think…); the kind is a result extension.",
)
ASKED = Verb(_adl("asked"), "asked", "Asked a question in a Q&A discussion.")
SHARED = Verb(
    _adl("shared"), "shared", "Placed a Peerloop activity in a course (LTI Deep Linking)."
)
ACCEPTED = Verb(
    "http://activitystrea.ms/accept", "accepted", "Marked an answer as the accepted one."
)
ENDORSED = Verb("http://activitystrea.ms/approve", "endorsed", "Endorsed an answer as staff.")
FLAGGED = Verb(
    "http://activitystrea.ms/flag-as-inappropriate",
    "flagged",
    "Flagged a post for moderators.",
)
JOINED = Verb("http://activitystrea.ms/join", "joined", "Joined a cohort.")
LEFT = Verb("http://activitystrea.ms/leave", "left", "Left a cohort.")
MENTIONED = Verb(
    "http://id.tincanapi.com/verb/mentioned",
    "mentioned",
    "Mentioned a person in a post; the person is the AcrossX mentionedagent extension.",
)
HID = Verb(_ours("verbs", "hid"), "hid", "Hid a post from learners (moderation).")
PINNED = Verb(_ours("verbs", "pinned"), "pinned", "Pinned a thread or post to the top.")
REDIRECTED = Verb(
    _ours("verbs", "redirected"),
    "redirected",
    "Answered a post with a private correction for its author, instead of hiding it.",
)
RECOGNISED = Verb(
    _ours("verbs", "recognised"),
    "recognised",
    "Publicly recognised a contribution (exemplar, helpful answer); not a ranking.",
)
LOCKED = Verb(_ours("verbs", "locked"), "locked", "Closed a thread or activity to new posts.")
UNLOCKED = Verb(_ours("verbs", "unlocked"), "unlocked", "Reopened a thread or activity.")
RELEASED = Verb(
    _ours("verbs", "released"),
    "released",
    "Released peers' reflections to the learners of an activity.",
)

VERBS: tuple[Verb, ...] = (
    LAUNCHED, INITIALIZED, TERMINATED, COMPLETED, VIEWED, ANSWERED, POSTED, EDITED, DELETED,
    REPLIED, REACTED, ASKED, SHARED, ACCEPTED, ENDORSED, FLAGGED, JOINED, LEFT, MENTIONED,
    HID, PINNED, REDIRECTED, RECOGNISED, LOCKED, UNLOCKED, RELEASED,
)  # fmt: skip

# --- activity types --------------------------------------------------------------------------

COURSE = ActivityType(
    "http://adlnet.gov/expapi/activities/course", "course", "The LMS course (LTI context)."
)
QUESTION = ActivityType(
    "http://adlnet.gov/expapi/activities/question", "question", "A question in Q&A mode."
)
INTERACTION = ActivityType(
    "http://adlnet.gov/expapi/activities/cmi.interaction",
    "reflection prompt",
    "An open reflection prompt, a long-fill-in interaction.",
)
THREAD = ActivityType(
    "http://id.tincanapi.com/activitytype/discussion", "thread", "A discussion thread."
)
REPLY = ActivityType(
    "http://id.tincanapi.com/activitytype/forum-reply", "reply", "A reply to a post."
)
MESSAGE = ActivityType(
    "https://w3id.org/xapi/acrossx/activities/message",
    "post",
    "A post: a reflection, a discussion post, an answer or a cohort contribution.",
)
DISCUSSION = ActivityType(
    "https://w3id.org/xapi/acrossx/activities/online-discussion",
    "peer discussion",
    "A peer-discussion activity placed in a course.",
)
REFLECTION_ACTIVITY = ActivityType(
    _ours("activity-types", "reflection-activity"),
    "reflection activity",
    "A reflection-prompt activity placed in a course after a piece of content.",
)
COHORT_SPACE = ActivityType(
    _ours("activity-types", "cohort-space"),
    "cohort co-learning activity",
    "A cohort co-learning activity placed in a course.",
)
COHORT = ActivityType(
    _ours("activity-types", "cohort"),
    "cohort",
    "A small, stable group of learners; also sent as context.team.",
)
PROFILE = ActivityType(
    PROFILE_ACTIVITY_TYPE, "xAPI profile", "The xAPI Profile a statement follows."
)

ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    COURSE, QUESTION, INTERACTION, THREAD, REPLY, MESSAGE, DISCUSSION, REFLECTION_ACTIVITY,
    COHORT_SPACE, COHORT, PROFILE,
)  # fmt: skip

# Which activity type an LTI placement gets, by Peerloop activity kind.
PLACEMENT_TYPES: dict[str, ActivityType] = {
    "reflection": REFLECTION_ACTIVITY,
    "discussion": DISCUSSION,
    "cohort": COHORT_SPACE,
}

# --- extensions ------------------------------------------------------------------------------


def _ext(name: str, label: str, definition: str, kind: ExtensionKind, json_type: str) -> Extension:
    return Extension(_ours("extensions", name), label, definition, kind, json_type)


LTI_DEPLOYMENT_ID = _ext(
    "lti-deployment-id",
    "LTI deployment id",
    "The LTI deployment_id of the launch.",
    "context",
    "string",
)
LTI_CONTEXT_ID = _ext(
    "lti-context-id", "LTI context id", "The LTI context (course) id.", "context", "string"
)
LTI_RESOURCE_LINK_ID = _ext(
    "lti-resource-link-id",
    "LTI resource link id",
    "The resource_link.id the LMS sent in the LTI launch (the platform's id of the link); "
    "absent when it is not known, e.g. when an instructor places the activity by Deep Linking.",
    "context",
    "string",
)
PLACEMENT_KEY = _ext(
    "placement-key",
    "placement key",
    "Peerloop's key of the activity placement: set by Deep Linking, before the LMS assigns a "
    "resource link id; the placement activity's IRI is built from it.",
    "context",
    "string",
)
ANONYMOUS_TO_PEERS = _ext(
    "anonymous-to-peers",
    "anonymous to peers",
    "True when the post was shown to peers without its author's name (staff still know).",
    "context",
    "boolean",
)
COHORT_ROUND = _ext(
    "cohort-round",
    "cohort round",
    "The cohort's round number (1-based) at the time.",
    "context",
    "integer",
)
POST = _ext(
    "post",
    "post",
    "The IRI of the post an answer or reflection created, so later statements can refer to it.",
    "context",
    "string",
)
POST_AUTHOR = _ext(
    "post-author",
    "post author",
    "The author of the post acted on (an xAPI Agent, pseudonymised like the actor).",
    "context",
    "object",
)
MENTIONED_AGENT = Extension(
    "https://w3id.org/xapi/acrossx/extensions/mentionedagent",
    "mentioned agent",
    "The person mentioned (an xAPI Agent, pseudonymised like the actor).",
    "context",
    "object",
)
WORD_COUNT = _ext(
    "word-count",
    "word count",
    "Words in the text written (sent even when text is off).",
    "result",
    "integer",
)
REACTION_KIND = _ext(
    "reaction-kind",
    "reaction kind",
    "Which reaction: e.g. helpful, made-me-think.",
    "result",
    "string",
)
RECOGNITION_KIND = _ext(
    "recognition-kind",
    "recognition kind",
    "Which recognition: e.g. exemplar, helpful-answer.",
    "result",
    "string",
)
FLAG_REASON = _ext(
    "flag-reason",
    "flag reason",
    "Why the post was flagged, as a short code.",
    "result",
    "string",
)

EXTENSIONS: tuple[Extension, ...] = (
    LTI_DEPLOYMENT_ID, LTI_CONTEXT_ID, LTI_RESOURCE_LINK_ID, PLACEMENT_KEY, ANONYMOUS_TO_PEERS,
    COHORT_ROUND,
    POST, POST_AUTHOR, MENTIONED_AGENT, WORD_COUNT, REACTION_KIND, RECOGNITION_KIND, FLAG_REASON,
)  # fmt: skip
