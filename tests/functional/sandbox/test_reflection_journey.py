"""One reflection's whole story through the sandbox LMS, over HTTP to the live tool: the
instructor places it by Deep Linking with participation grading on (1 reflection and 1 reply,
out of 10); three learners launch, post (one anonymously), react and reply; the instructor
opens participation, sees who has not started, nudges one of them (who sees the note on the
next launch) and features a reflection; the grade worker sends the scores to the sandbox
gradebook. Each step checks its xAPI statements in the journal; at the end the dispatcher
delivers them and the real LRS holds every one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.grading import SENT, QueuedScore
from activities.placements import Placement
from activities.reflection.models import Reflection
from lrs_client.dispatcher import Dispatcher
from lrs_client.outbox import save_destination
from lrs_client.tables import JournalEntry, OutboxRow
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox
from tests.functional.sandbox.test_full_flow import launch, send_scores
from tests.support.live import LiveServer
from tests.support.lrs import PASSWORD, USERNAME, LearningLockerProcess

pytestmark = pytest.mark.lrs

TITLE = "After the case study"
PROMPT = "How would you apply this in your next client meeting?"
BEN, CHLOE, DEV, EMI = people.LEARNERS[:4]
TEXTS = {
    # Over the placement's 15 words, so posting unlocks the peers.
    BEN.user_id: "I would open the next client meeting by asking what they already tried "
    "first, and what worked for them.",
    CHLOE.user_id: "I would listen longer before suggesting anything, and write down their "
    "words so I can use them back.",
    DEV.user_id: "I would bring one small example from the case and ask how it would fit "
    "their own team.",
}
NUDGE = "The case study is waiting for your thoughts."


def verb(statement: dict[str, Any]) -> str:
    return str(statement["verb"]["id"]).rsplit("/", 1)[-1]


@dataclass
class Story:
    """The tool, the sandbox, one browser (cookie jar) per person, and the journal read so far."""

    live_app: LiveServer
    sandbox: Sandbox
    session: Session
    browsers: dict[str, requests.Session] = field(default_factory=dict)
    seen: int = 0
    link_id: int = 0

    @property
    def app(self) -> Flask:
        app: Flask = self.live_app.app  # type: ignore[attr-defined]
        return app

    def browser(self, person: people.Person) -> requests.Session:
        return self.browsers.setdefault(person.user_id, requests.Session())

    def new_statements(self) -> list[dict[str, Any]]:
        """The statements journaled (committed) since the last call, oldest first."""
        self.session.expire_all()
        rows = self.session.scalars(
            select(JournalEntry.payload)
            .where(JournalEntry.id > self.seen)
            .order_by(JournalEntry.id)
        ).all()
        ids = self.session.scalars(
            select(JournalEntry.id).where(JournalEntry.id > self.seen).order_by(JournalEntry.id)
        ).all()
        if ids:
            self.seen = ids[-1]
        return [json.loads(payload) for payload in rows]

    def expect_verbs(self, *expected: str) -> list[dict[str, Any]]:
        """The new statements include each of ``expected`` (a verb as often as it is named)."""
        statements = self.new_statements()
        got = [verb(s) for s in statements]
        for name in set(expected):
            assert got.count(name) >= expected.count(name), (expected, got)
        return statements

    def all_statements(self) -> list[dict[str, Any]]:
        self.session.expire_all()
        payloads = self.session.scalars(select(JournalEntry.payload)).all()
        return [json.loads(payload) for payload in payloads]

    def open(self, person: people.Person) -> requests.Response:
        """``person`` opens the placed activity from the sandbox (a real launch)."""
        return launch(
            self.browser(person),
            self.sandbox,
            f"/launch/{person.user_id}/link/{self.link_id}",
            self.live_app.url,
        )

    def submit(
        self, person: people.Person, page: requests.Response, action_ends: str, **values: str
    ) -> requests.Response:
        """Submit the form of ``page`` whose action ends with ``action_ends``, as a browser."""
        forms = [
            f for f in Forms(page.text).forms if f["action"].split("?")[0].endswith(action_ends)
        ]
        assert forms, f"no form ending {action_ends!r} on {page.url}"
        form = forms[0]
        response = self.browser(person).post(
            urljoin(page.url, form["action"]), data=form["fields"] | values, timeout=10
        )
        assert response.status_code == 200, response.text
        return response

    def reflection_of(self, person: people.Person) -> Reflection:
        self.session.expire_all()
        return self.session.scalars(
            select(Reflection).where(Reflection.author_sub == person.user_id)
        ).one()


# --- the steps ------------------------------------------------------------------------------


def place_by_deep_linking(story: Story) -> Placement:
    instructor = story.browser(people.INSTRUCTOR)
    home = Forms(instructor.get(story.sandbox.url + "/", timeout=10).text)
    picker = launch(
        instructor,
        story.sandbox,
        home.link(f"Launch as {people.INSTRUCTOR.name}")["href"],
        story.live_app.url,
    )
    assert "Add a Peerloop activity" in Forms(picker.text).text
    [form] = [f for f in Forms(picker.text).forms if f["id"] == "picker"]
    fields = form["fields"] | {
        "title": TITLE,
        "prompt": PROMPT,
        "anonymity_allowed": "on",
        "grading": "on",
        "grade_reflections": "1",
        "grade_replies": "1",
        "score_maximum": "10",
    }
    returned = instructor.post(urljoin(picker.url, form["action"]), data=fields, timeout=10)
    [back] = Forms(returned.text).forms
    assert back["action"] == f"{story.sandbox.url}/deep-linking/return"
    done = instructor.post(back["action"], data=back["fields"], timeout=10)
    assert done.status_code == 200, done.text
    [link] = story.sandbox.store.links()
    story.link_id = int(link["id"])
    story.session.expire_all()
    placement = story.session.scalars(select(Placement)).one()
    assert (placement.grading, placement.score_maximum) == (True, 10)
    [shared] = [s for s in story.expect_verbs("shared") if verb(s) == "shared"]
    assert shared["object"]["definition"]["name"] == {"und": TITLE}
    return placement


def learner_posts(story: Story, person: people.Person, *, anonymous: bool = False) -> None:
    page = story.open(person)
    assert PROMPT in Forms(page.text).text
    # Nobody's text before one's own: the peers are not sent at all.
    for other, text in TEXTS.items():
        if other != person.user_id:
            assert text not in page.text
    values = {"body": TEXTS[person.user_id]} | ({"anonymous": "on"} if anonymous else {})
    after = story.submit(person, page, "/reflections", **values)
    assert TEXTS[person.user_id] in Forms(after.text).text
    story.expect_verbs("launched", "posted")
    reflection = story.reflection_of(person)
    assert reflection.anonymous is anonymous


def learner_reacts_and_replies(
    story: Story, person: people.Person, to: people.Person, reply: str
) -> None:
    page = story.open(person)
    target = story.reflection_of(to)
    assert TEXTS[to.user_id] in page.text
    if target.anonymous:
        assert "A classmate" in Forms(page.text).text
        assert to.name not in page.text
    page = story.submit(person, page, f"/reflections/{target.id}/reactions")
    story.submit(person, page, f"/reflections/{target.id}/replies", body=reply)
    story.expect_verbs("reacted", "replied")


def participation_shows_not_started(story: Story) -> requests.Response:
    """The participation tab, filtered to who has not started: the roster (NRPS) has five
    learners, three posted, so Emi and Farah are listed and the others are not."""
    overview = story.open(people.INSTRUCTOR)
    story.expect_verbs("launched")
    [tab] = [link for link in Forms(overview.text).links if "tab=participation" in link["href"]]
    page = story.browser(people.INSTRUCTOR).get(
        urljoin(overview.url, tab["href"]), params={"show": "not_started"}, timeout=10
    )
    assert page.status_code == 200, page.text
    # The tab ends with the grades list, where everyone scored is named: read up to it.
    participation, grades = page.text.split('<h2 id="grades-heading">', 1)
    text = Forms(participation).text
    assert "Nudge all who have not started (2)" in text
    assert EMI.name in text
    assert people.LEARNERS[4].name in text
    for person in (BEN, CHLOE, DEV):
        assert person.name not in text
    # The scores are queued, not yet sent: the learners' requests did not wait on the LMS.
    assert f"{DEV.name} 5 / 10 Pending" in Forms(grades).text
    return page


def nudge(story: Story, participation: requests.Response, person: people.Person) -> None:
    forms = [
        f for f in Forms(participation.text).forms if f["fields"].get("learner") == person.user_id
    ]
    assert forms, f"no nudge for {person.name}"
    response = story.browser(people.INSTRUCTOR).post(
        urljoin(participation.url, forms[0]["action"]),
        data=forms[0]["fields"] | {"message": NUDGE},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    [nudged] = [s for s in story.expect_verbs("nudged") if verb(s) == "nudged"]
    assert person.user_id in json.dumps(nudged)
    # The learner sees the instructor's note on the next launch.
    page = story.open(person)
    text = Forms(page.text).text
    assert f"A note from your instructor ({people.INSTRUCTOR.name}): {NUDGE}" in text
    story.expect_verbs("launched")


def feature(story: Story, person: people.Person) -> None:
    overview = story.open(people.INSTRUCTOR)
    target = story.reflection_of(person)
    story.submit(people.INSTRUCTOR, overview, f"/staff/reflections/{target.id}/feature")
    story.expect_verbs("launched", "recognised")  # the profile's verb for featuring
    story.session.expire_all()
    assert story.reflection_of(person).featured_at is not None


def scores_arrive_in_the_gradebook(story: Story) -> None:
    assert story.sandbox.store.scores() == []  # nobody waited on the LMS
    assert send_scores(story.live_app) >= 1
    latest: dict[str, float] = {}
    for row in story.sandbox.store.scores():
        latest[row["user_id"]] = float(row["score_given"])
    # Ben and Chloé reflected and replied: full marks; Dev reflected only: half.
    assert latest[BEN.user_id] == 10.0
    assert latest[CHLOE.user_id] == 10.0
    assert latest[DEV.user_id] == 5.0
    assert EMI.user_id not in latest  # not started: nothing to send
    story.session.expire_all()
    assert {row.status for row in story.session.scalars(select(QueuedScore))} == {SENT}
    gradebook = Forms(story.browser(people.INSTRUCTOR).get(story.sandbox.url + "/gradebook").text)
    assert TITLE in gradebook.text
    story.expect_verbs("scored", "scored", "scored")


def delivered_to_the_lrs(story: Story, lrs: LearningLockerProcess) -> None:
    dispatcher = Dispatcher(story.app.extensions["peerloop.sessions"])
    try:
        failure = dispatcher.flush()
    finally:
        dispatcher.close()
    assert failure is None, failure
    story.session.expire_all()
    assert set(story.session.scalars(select(OutboxRow.status))) == {"sent"}
    for statement in story.all_statements():
        response = lrs.get(statementId=statement["id"])
        assert response.status_code == 200, (verb(statement), response.text)
        assert verb(response.json()) == verb(statement)


def test_a_reflection_from_placement_to_gradebook_and_lrs(
    live_app: LiveServer, sandbox: Sandbox, session: Session, lrs: LearningLockerProcess
) -> None:
    save_destination(session, "journey-lrs", lrs.endpoint, USERNAME, PASSWORD)
    session.commit()
    story = Story(live_app, sandbox, session)

    place_by_deep_linking(story)
    learner_posts(story, BEN)
    learner_posts(story, CHLOE, anonymous=True)
    learner_posts(story, DEV)
    learner_reacts_and_replies(story, BEN, CHLOE, "Writing their words down is a good idea.")
    learner_reacts_and_replies(story, CHLOE, BEN, "Asking first saves so much time.")
    participation = participation_shows_not_started(story)
    nudge(story, participation, EMI)
    feature(story, BEN)
    scores_arrive_in_the_gradebook(story)
    delivered_to_the_lrs(story, lrs)
