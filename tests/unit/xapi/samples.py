"""Fixed inputs and one sample statement per interaction, shared by the golden-file unit tests
and the LRS acceptance test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tincan import Statement

from xapi import builders as b
from xapi.inputs import Cohort, Post, Prompt, Row, Where, Who, XapiOptions

ISSUER = "https://lms.example.edu"
LEARNER = Who(ISSUER, "learner-sub-7f3a", name="Ada Learner", email="ada@example.edu")
PEER = Who(ISSUER, "peer-sub-19c2", name="Bo Peer", email="bo@example.edu")
TEACHER = Who(ISSUER, "teacher-sub-0b11", name="Cy Teacher", email="cy@example.edu")
AT = datetime(2026, 11, 23, 9, 30, 0, tzinfo=UTC)

WHERE = Where(
    tool_url="https://peerloop.example.edu",
    course_id="course-101",
    placement_id="placement-key-42",
    deployment_id="deployment-1",
    activity_kind="discussion",
    course_title="Consulting Skills 101",
    placement_title="After the video: client meetings",
    tool_platform={"name": "Example Moodle", "product_family_code": "moodle"},
    language="en_GB",
    cohort=Cohort("cohort-3", name="Cohort 3", round=2),
    resource_link_id="lms-resource-link-9",
)
REFLECTION_WHERE = Where(
    tool_url=WHERE.tool_url,
    course_id=WHERE.course_id,
    placement_id="placement-key-43",
    deployment_id=WHERE.deployment_id,
    activity_kind="reflection",
    course_title=WHERE.course_title,
    placement_title="Reflect on the client-meeting video",
    tool_platform=WHERE.tool_platform,
    language="en",
)

THREAD = Post(10, kind="thread", title="Preparing for a first meeting", author=PEER)
PEER_POST = Post(11, kind="post", text="I always start by listening.", parent=THREAD,
                 author=PEER)  # fmt: skip
QUESTION = Post(20, kind="question", text="How do you open a difficult meeting?",
                title="Opening difficult meetings", author=PEER)  # fmt: skip
ANSWER = Post(21, kind="reply", text="Name the difficulty first, then agree the goal.",
              parent=QUESTION, author=LEARNER)  # fmt: skip
PROMPT = Prompt(5, text="How would you apply this in your next client meeting?",
                title="Your next client meeting")  # fmt: skip
REFLECTION = Post(30, kind="reflection", text="I will ask more open questions early on.",
                  author=LEARNER, anonymous_to_peers=True)  # fmt: skip
MY_REPLY = Post(12, kind="reply", text="Same here — and I take notes.", parent=PEER_POST,
                author=LEARNER)  # fmt: skip
PRIVATE_REPLY = Post(31, kind="reply", text="A strong plan — try it on Tuesday.",
                     parent=REFLECTION, author=TEACHER)  # fmt: skip


def row(kind: str, row_id: int) -> Row:
    return Row(kind, row_id, AT)


Builder = Callable[[XapiOptions], Statement]

# One sample per interaction, keyed by the interaction's spec name.
SAMPLES: dict[str, Builder] = {
    "launched": lambda o: b.launched(LEARNER, WHERE, row("launch", 1), options=o),
    "initialized": lambda o: b.initialized(LEARNER, WHERE, row("launch", 1), options=o),
    "terminated": lambda o: b.terminated(
        LEARNER, WHERE, row("launch", 1), duration=timedelta(minutes=12, seconds=5), options=o
    ),
    "viewed": lambda o: b.viewed(LEARNER, WHERE, row("view", 2), target=PEER_POST, options=o),
    "placement_shared": lambda o: b.placement_shared(TEACHER, WHERE, row("activity", 1), options=o),
    "reflection_answered": lambda o: b.reflection_answered(
        LEARNER,
        REFLECTION_WHERE,
        row("post", 30),
        prompt=PROMPT,
        reflection=REFLECTION,
        options=o,
    ),
    "posted": lambda o: b.posted(PEER, WHERE, row("post", 11), post=PEER_POST, options=o),
    "replied": lambda o: b.replied(LEARNER, WHERE, row("post", 12), reply=MY_REPLY, options=o),
    "edited": lambda o: b.edited(PEER, WHERE, row("revision", 3), post=PEER_POST, options=o),
    "deleted": lambda o: b.deleted(PEER, WHERE, row("post", 11), post=PEER_POST, options=o),
    "reacted": lambda o: b.reacted(
        LEARNER, WHERE, row("reaction", 4), post=PEER_POST, reaction="helpful", options=o
    ),
    "asked": lambda o: b.asked(PEER, WHERE, row("post", 20), question=QUESTION, options=o),
    "answered": lambda o: b.answered(
        LEARNER, WHERE, row("post", 21), question=QUESTION, answer=ANSWER, options=o
    ),
    "accepted_answer": lambda o: b.accepted_answer(
        PEER, WHERE, row("acceptance", 5), answer=ANSWER, options=o
    ),
    "endorsed": lambda o: b.endorsed(TEACHER, WHERE, row("endorsement", 6), post=ANSWER, options=o),
    "flagged": lambda o: b.flagged(
        LEARNER, WHERE, row("flag", 7), post=PEER_POST, reason="off-topic", options=o
    ),
    "hid": lambda o: b.hid(TEACHER, WHERE, row("moderation", 8), post=PEER_POST, options=o),
    "pinned": lambda o: b.pinned(TEACHER, WHERE, row("moderation", 9), post=THREAD, options=o),
    "redirected": lambda o: b.redirected(
        TEACHER,
        WHERE,
        row("moderation", 10),
        post=PEER_POST,
        correction="Listening matters; also check the agenda is agreed first.",
        options=o,
    ),
    "recognised": lambda o: b.recognised(
        TEACHER, WHERE, row("recognition", 11), post=ANSWER, kind="helpful-answer", options=o
    ),
    "locked": lambda o: b.locked(TEACHER, WHERE, row("moderation", 12), thread=THREAD, options=o),
    "unlocked": lambda o: b.unlocked(TEACHER, WHERE, row("moderation", 13), options=o),
    "released": lambda o: b.released(TEACHER, REFLECTION_WHERE, row("release", 14), options=o),
    "joined_cohort": lambda o: b.joined_cohort(LEARNER, WHERE, row("membership", 15), options=o),
    "left_cohort": lambda o: b.left_cohort(LEARNER, WHERE, row("membership", 15), options=o),
    "completed": lambda o: b.completed(LEARNER, WHERE, row("completion", 16), options=o),
    "unreacted": lambda o: b.unreacted(
        LEARNER, WHERE, row("reaction", 4), post=PEER_POST, reaction="helpful", options=o
    ),
    "replied_privately": lambda o: b.replied_privately(
        TEACHER, REFLECTION_WHERE, row("private-reply", 18), reply=PRIVATE_REPLY, options=o
    ),
    "nudged": lambda o: b.nudged(
        TEACHER, REFLECTION_WHERE, row("nudge", 19), learner=LEARNER, options=o
    ),
    "rated_content": lambda o: b.rated_content(
        LEARNER, REFLECTION_WHERE, row("content-rating", 20), rating=4, options=o
    ),
    "score_sent": lambda o: b.score_sent(
        LEARNER,
        REFLECTION_WHERE,
        row("grade-score", 21),
        score_given=7.5,
        score_maximum=10,
        options=o,
    ),
    "mentioned": lambda o: b.mentioned(
        LEARNER, WHERE, row("mention", 17), post=MY_REPLY, person=PEER, options=o
    ),
}
