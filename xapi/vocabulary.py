"""Every verb, activity type and extension IRI Peerloop's statements use, in one place.

Registered IRIs (ADL, SCORM, the TinCan registry, ActivityStreams, AcrossX, DoD ISD) are used
where one exists, so LRS dashboards and other tools already know them. Those belong to the
profile that defines them (``defined_in``, that profile's ``inScheme``): the xAPI Profiles spec
says a profile MUST NOT define a concept another profile defines, so ours only uses their IRIs
in its templates. The rest live under one base IRI of ours and are the concepts of the xAPI
Profile generated from this module (xapi.profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BASE = "https://peerloop.org/xapi"
PROFILE_IRI = f"{BASE}/profile"
# Statements carry the *version* IRI as their category, as the xAPI Profiles spec asks. v2:
# v1 defined other profiles' concepts as its own and its templates changed (rules, types).
PROFILE_VERSION = "v2"
PROFILE_VERSION_IRI = f"{PROFILE_IRI}/{PROFILE_VERSION}"
PREVIOUS_VERSION_IRI = f"{PROFILE_IRI}/v1"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"

# The inScheme (profile version) of each borrowed concept, as the defining profile's own
# document gives it (ADL's xapi-authored-profiles repository).
ADL = "https://w3id.org/xapi/adl/v1.0"
SCORM = "https://w3id.org/xapi/scorm/v1.0"
TINCAN = "http://registry.tincanapi.com"
ACTIVITY_STREAMS = "http://activitystrea.ms/schema/1.0.0"
ACROSSX = "https://w3id.org/xapi/acrossx/v1.0.1"
DOD_ISD = "https://w3id.org/xapi/dod-isd/v1.0"
# cmi.interaction is defined by the xAPI specification itself, not by a profile.
XAPI_SPEC = "https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#interaction-activities"

ExtensionKind = Literal["context", "result"]


@dataclass(frozen=True)
class _Term:
    iri: str
    # The inScheme of the profile that defines it; None for ours (this profile defines it).
    defined_in: str | None = field(default=None, kw_only=True)

    @property
    def ours(self) -> bool:
        """Defined by our profile (no registered IRI existed)."""
        return self.iri.startswith(BASE)

    @property
    def scheme(self) -> str:
        """The inScheme the concept has where it is defined."""
        return self.defined_in or PROFILE_VERSION_IRI


@dataclass(frozen=True)
class Verb(_Term):
    display: str  # en display, as sent in statements
    definition: str  # what it means in Peerloop, for the profile


@dataclass(frozen=True)
class ActivityType(_Term):
    label: str
    definition: str
    slug: str = field(kw_only=True)  # names the statement template of an act on this type


@dataclass(frozen=True)
class Extension(_Term):
    label: str
    definition: str
    kind: ExtensionKind
    json_type: str  # JSON Schema type of the value, published as the profile's inlineSchema


def _adl(name: str) -> str:
    return f"http://adlnet.gov/expapi/verbs/{name}"


AS = "http://activitystrea.ms"
TINCAN_VERBS = "http://id.tincanapi.com/verb"
ACROSSX_VERBS = "https://w3id.org/xapi/acrossx/verbs"


def _ours(kind: str, name: str) -> str:
    return f"{BASE}/{kind}/{name}"


# --- verbs -----------------------------------------------------------------------------------

LAUNCHED = Verb(
    _adl("launched"), "launched", "Opened a Peerloop activity from the LMS.", defined_in=ADL
)
INITIALIZED = Verb(
    _adl("initialized"),
    "initialized",
    "Started a session in an activity after launch.",
    defined_in=SCORM,
)
TERMINATED = Verb(
    _adl("terminated"), "terminated", "Ended a session in an activity.", defined_in=SCORM
)
COMPLETED = Verb(
    _adl("completed"),
    "completed",
    "Met the participation rule the instructor set.",
    defined_in=SCORM,
)
VIEWED = Verb(
    f"{TINCAN_VERBS}/viewed", "viewed", "Looked at an activity, thread or post.", defined_in=TINCAN
)
ANSWERED = Verb(
    _adl("answered"),
    "answered",
    "Wrote a reflection on a prompt, or answered a question.",
    defined_in=ADL,
)
POSTED = Verb(f"{ACROSSX_VERBS}/posted", "posted", "Posted a new contribution.", defined_in=ACROSSX)
EDITED = Verb(
    f"{ACROSSX_VERBS}/edited", "edited", "Changed the text of own post.", defined_in=ACROSSX
)
DELETED = Verb(f"{AS}/delete", "deleted", "Removed a post.", defined_in=ACTIVITY_STREAMS)
REPLIED = Verb(f"{TINCAN_VERBS}/replied", "replied", "Replied to a post.", defined_in=TINCAN)
REACTED = Verb(
    "https://w3id.org/xapi/dod-isd/verbs/reacted",
    "reacted",
    "Reacted to a peer's post (helpful, made me think…); the kind is a result extension.",
    defined_in=DOD_ISD,
)
ASKED = Verb(_adl("asked"), "asked", "Asked a question in a Q&A discussion.", defined_in=ADL)
SHARED = Verb(
    _adl("shared"),
    "shared",
    "Placed a Peerloop activity in a course (LTI Deep Linking).",
    defined_in=ADL,
)
ACCEPTED = Verb(
    f"{AS}/accept",
    "accepted",
    "Marked an answer as the accepted one.",
    defined_in=ACTIVITY_STREAMS,
)
ENDORSED = Verb(
    f"{AS}/approve", "endorsed", "Endorsed an answer as staff.", defined_in=ACTIVITY_STREAMS
)
FLAGGED = Verb(
    f"{AS}/flag-as-inappropriate",
    "flagged",
    "Flagged a post for moderators.",
    defined_in=ACTIVITY_STREAMS,
)
JOINED = Verb(f"{AS}/join", "joined", "Joined a cohort.", defined_in=ACTIVITY_STREAMS)
LEFT = Verb(f"{AS}/leave", "left", "Left a cohort.", defined_in=ACTIVITY_STREAMS)
MENTIONED = Verb(
    f"{TINCAN_VERBS}/mentioned",
    "mentioned",
    "Mentioned a person in a post; the person is the mentioned-person extension.",
    defined_in=TINCAN,
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
UNREACTED = Verb(
    _ours("verbs", "unreacted"),
    "unreacted",
    "Took back a reaction to a peer's post; the kind is a result extension.",
)
REPLIED_PRIVATELY = Verb(
    _ours("verbs", "replied-privately"),
    "replied privately",
    "Staff replied to a post so that only its author (and staff) can read the reply.",
)
NUDGED = Verb(
    _ours("verbs", "nudged"),
    "nudged",
    "Staff left a learner a friendly note, shown on the learner's next launch of the activity.",
)
RATED = Verb(
    f"{TINCAN_VERBS}/rated",
    "rated",
    "Rated how useful the content the activity follows was for one's own work (1–5).",
    defined_in=TINCAN,
)

SCORED = Verb(
    _adl("scored"),
    "scored",
    "Was given a participation score for an activity, as sent to the LMS gradebook.",
    defined_in=ADL,
)

VERBS: tuple[Verb, ...] = (
    LAUNCHED, INITIALIZED, TERMINATED, COMPLETED, VIEWED, ANSWERED, POSTED, EDITED, DELETED,
    REPLIED, REACTED, ASKED, SHARED, ACCEPTED, ENDORSED, FLAGGED, JOINED, LEFT, MENTIONED,
    HID, PINNED, REDIRECTED, RECOGNISED, LOCKED, UNLOCKED, RELEASED, UNREACTED,
    REPLIED_PRIVATELY, NUDGED, RATED, SCORED,
)  # fmt: skip

# --- activity types --------------------------------------------------------------------------

COURSE = ActivityType(
    "http://adlnet.gov/expapi/activities/course",
    "course",
    "The LMS course (LTI context).",
    slug="course",
    defined_in=SCORM,
)
QUESTION = ActivityType(
    "http://adlnet.gov/expapi/activities/question",
    "question",
    "A question in Q&A mode.",
    slug="question",
    defined_in=ADL,
)
INTERACTION = ActivityType(
    "http://adlnet.gov/expapi/activities/cmi.interaction",
    "reflection prompt",
    "An open reflection prompt, a long-fill-in interaction.",
    slug="prompt",
    defined_in=XAPI_SPEC,
)
THREAD = ActivityType(
    "http://id.tincanapi.com/activitytype/discussion",
    "thread",
    "A discussion thread.",
    slug="thread",
    defined_in=TINCAN,
)
REPLY = ActivityType(
    "http://id.tincanapi.com/activitytype/forum-reply",
    "reply",
    "A reply to a post.",
    slug="reply",
    defined_in=TINCAN,
)
MESSAGE = ActivityType(
    "https://w3id.org/xapi/acrossx/activities/message",
    "post",
    "A post: a reflection, a discussion post, an answer or a cohort contribution.",
    slug="post",
    defined_in=ACROSSX,
)
DISCUSSION = ActivityType(
    "https://w3id.org/xapi/acrossx/activities/online-discussion",
    "peer discussion",
    "A peer-discussion activity placed in a course.",
    slug="discussion-activity",
    defined_in=ACROSSX,
)
REFLECTION_ACTIVITY = ActivityType(
    _ours("activity-types", "reflection-activity"),
    "reflection activity",
    "A reflection-prompt activity placed in a course after a piece of content.",
    slug="reflection-activity",
)
COHORT_SPACE = ActivityType(
    _ours("activity-types", "cohort-space"),
    "cohort co-learning activity",
    "A cohort co-learning activity placed in a course.",
    slug="cohort-activity",
)
COHORT = ActivityType(
    _ours("activity-types", "cohort"),
    "cohort",
    "A small, stable group of learners; also sent as context.team.",
    slug="cohort",
)
PROFILE = ActivityType(
    PROFILE_ACTIVITY_TYPE,
    "xAPI profile",
    "The xAPI Profile a statement follows.",
    slug="profile",
    defined_in=SCORM,
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
# Ours, not AcrossX's mentionedagent: that one's value is a string (one IFI), and a person here
# is an Agent object identified like the actor (an account, or a pseudonym).
MENTIONED_PERSON = _ext(
    "mentioned-person",
    "mentioned person",
    "The person mentioned: an xAPI Agent, identified (and pseudonymised) like the actor.",
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
LEARNER = _ext(
    "learner",
    "learner",
    "The learner a staff action was for (an xAPI Agent, pseudonymised like the actor).",
    "context",
    "object",
)
RATING = _ext(
    "rating",
    "rating",
    "How useful the content was for the learner's work, from 1 (not) to 5 (very).",
    "result",
    "integer",
)

EXTENSIONS: tuple[Extension, ...] = (
    LTI_DEPLOYMENT_ID, LTI_CONTEXT_ID, LTI_RESOURCE_LINK_ID, PLACEMENT_KEY, ANONYMOUS_TO_PEERS,
    COHORT_ROUND,
    POST, POST_AUTHOR, MENTIONED_PERSON, WORD_COUNT, REACTION_KIND, RECOGNITION_KIND, FLAG_REASON,
    LEARNER, RATING,
)  # fmt: skip
