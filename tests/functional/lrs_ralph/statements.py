"""A class's worth of real statements from our builders, with fixed inputs and ids of their
own per call (so tests sharing the session-wide Learning Locker never see each other's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from xapi import builders as b
from xapi.inputs import Cohort, Post, Row, Where, Who
from xapi.serialize import to_json

ISSUER = "https://lms.example.edu"
AT = datetime(2026, 11, 23, 9, 30, 0, tzinfo=UTC)


def learner(run: str, index: int) -> Who:
    return Who(ISSUER, f"learner-{run}-{index}")


def placement(run: str) -> Where:
    return Where(
        tool_url="https://peerloop.example.edu",
        course_id="course-101",
        placement_id=f"link-{run}",
        deployment_id="deployment-1",
        activity_kind="discussion",
        course_title="Consulting Skills 101",
        placement_title="After the video: client meetings",
        tool_platform={"name": "Example Moodle", "product_family_code": "moodle"},
        language="en",
        cohort=Cohort(f"cohort-{run}", name="Cohort 3", round=2),
    )


def class_statements(learners: int) -> tuple[str, list[dict[str, Any]]]:
    """Each learner launches, posts in the thread and replies to the previous learner's post:
    3 statements a learner. Returns the run's key (it names learners and the placement)."""
    run = uuid.uuid4().hex[:12]
    where = placement(run)
    thread = Post(f"{run}-thread", kind="thread", title="Preparing for a first meeting")
    out: list[dict[str, Any]] = []
    previous: Post | None = None
    for index in range(learners):
        who = learner(run, index)
        at = AT + timedelta(minutes=index)
        post = Post(f"{run}-post-{index}", text=f"Listening first ({index}).", parent=thread,
                    author=who)  # fmt: skip
        out.append(to_json(b.launched(who, where, Row("launch", f"{run}-{index}", at))))
        out.append(to_json(b.posted(who, where, Row("post", post.id, at), post=post)))
        answered = previous or post
        reply = Post(f"{run}-reply-{index}", kind="reply", text="Same here.", parent=answered,
                     author=who)  # fmt: skip
        out.append(to_json(b.replied(who, where, Row("post", reply.id, at), reply=reply)))
        previous = post
    return run, out
