"""The grade queue's worker against the sandbox LMS (its gradebook, line items, and Moodle's
409 for two scores of one user in one second): the learner's interaction only queues, the
worker sends; the instructor sees each learner's state and can re-send everything."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from activities.grading import FAILED, PENDING, SENDING, SENT, QueuedScore
from activities.people import Participant
from activities.placements import Placement
from activities.recording import Visit
from activities.reflection import operations as ops
from activities.reflection.models import Reflection
from lrs_client.tables import JournalEntry
from lti_tool.app import create_app
from lti_tool.auth import issue_token
from lti_tool.commands.grades import cli as grades_cli
from lti_tool.config import Settings
from lti_tool.grades import (
    LINE_ITEM_TAG,
    GradeConfig,
    GradeWorker,
    GradeWorkerThread,
    claim,
)
from lti_tool.lti import ags, claims
from lti_tool.lti.context import LaunchContext
from lti_tool.lti.service_client import ServiceClient
from sandbox import people
from tests.functional.sandbox.harness import Forms, Sandbox, platform_row
from tests.functional.sandbox.test_full_flow import launch, send_scores, submit
from tests.support.live import LiveServer
from tests.support.settings import make_settings
from tests.unit.lrs_client.support import wait_until

SCOPES = [claims.SCOPE_LINEITEM, claims.SCOPE_RESULT_READONLY, claims.SCOPE_SCORE]
TITLE = "After the case study"
LINK = "sbx-link-graded"
TEXT = "I would open the next client meeting by asking what they already tried first."
#: Retries at once, so a test needs no waiting: the timestamps still go a second apart.
FAST = GradeConfig(timeout=2, backoff_base=0.001, backoff_max=0.001, conflict_delay=0)


@dataclass
class Course:
    session: Session
    sessions: sessionmaker[Session]
    settings: Settings
    app: Flask
    sandbox: Sandbox
    placement: Placement
    visit: Visit

    def learner(self, n: int) -> Participant:
        person = people.LEARNERS[n]
        return Participant(
            self.sandbox.platform_id, self.sandbox.url, person.user_id, name=person.name,
            roles=("Learner",),
        )  # fmt: skip

    def post(self, who: Participant, text: str = TEXT) -> Reflection:
        reflection = ops.post(self.session, who, self.placement, self.visit, text)
        self.session.commit()
        return reflection

    def reply(self, who: Participant, to: Reflection) -> None:
        ops.reply(self.session, who, self.placement, self.visit, to.id, "Same for me.")
        self.session.commit()

    def worker(self, config: GradeConfig = FAST) -> GradeWorker:
        return GradeWorker(self.sessions, self.settings, config)

    def rows(self) -> list[QueuedScore]:
        self.session.expire_all()
        return list(self.session.scalars(select(QueuedScore).order_by(QueuedScore.id)))

    def items(self) -> list[dict[str, object]]:
        return self.sandbox.store.lineitems(course_id=people.COURSE_ID)

    def gradebook(self) -> dict[str, float]:
        """The latest score per user of the placement's column, as the LMS holds it."""
        [item] = self.items()
        return {
            user: float(row["score_given"])
            for user, row in self.sandbox.store.latest_scores(int(str(item["id"]))).items()
        }

    def staff_token(self, locale: str | None = None) -> str:
        context = LaunchContext(
            locale=locale,
            platform_id=self.sandbox.platform_id, issuer=self.sandbox.url,
            client_id="peerloop-sandbox", deployment_id="d", message_type="LtiResourceLinkRequest",
            sub=people.INSTRUCTOR.user_id, roles=("Instructor",), name=people.INSTRUCTOR.name,
            context_id=people.COURSE_ID, resource_link_id=LINK,
            ags_endpoint=self.visit.ags_endpoint,
            custom={claims.PLACEMENT_PARAM: self.placement.key},
        )  # fmt: skip
        with self.app.test_request_context():
            return issue_token(context)


@pytest.fixture
def course(live_app: LiveServer, sandbox: Sandbox, session: Session) -> Course:
    """A reflection placed in the sandbox course, graded out of 10 for 1 reflection and 2
    replies, whose launches name the course's line-items URL but no line item (so the worker
    creates one on first need)."""
    app: Flask = live_app.app  # type: ignore[attr-defined]
    placement = Placement(
        key="graded-placement", platform_id=sandbox.platform_id, deployment_id="d",
        context_id=people.COURSE_ID, resource_link_id=LINK, title=TITLE, prompt="How?",
        grading=True, score_maximum=10,
        settings={"grade_replies": 2, "several_per_learner": True, "min_words": 0},
        first_launched_at=datetime.now(UTC),
    )  # fmt: skip
    session.add(placement)
    session.commit()
    endpoint = {
        "scope": SCOPES,
        "lineitems": f"{sandbox.url}/api/courses/{people.COURSE_ID}/lineitems",
    }
    settings: Settings = app.config["PEERLOOP"]
    visit = Visit(
        tool_url=settings.base_url, options=settings.xapi_options(), course_id=people.COURSE_ID,
        resource_link_id=LINK, ags_endpoint=endpoint,
    )  # fmt: skip
    return Course(
        session, app.extensions["peerloop.sessions"], settings, app, sandbox, placement, visit
    )


def scored_statements(session: Session) -> list[dict[str, object]]:
    payloads = session.scalars(select(JournalEntry.payload).order_by(JournalEntry.id)).all()
    bodies = [json.loads(payload) for payload in payloads]
    return [body for body in bodies if body["verb"]["id"].endswith("/scored")]


def test_the_line_item_is_created_once_and_scores_arrive_in_the_gradebook(course: Course) -> None:
    ada, bo = course.learner(0), course.learner(1)
    mine = course.post(ada)
    assert course.items() == []  # the learner's post only queued the score
    assert course.worker().drain() == 1
    [item] = course.items()
    assert (item["label"], item["score_maximum"], item["tag"]) == (TITLE, 10.0, LINE_ITEM_TAG)
    assert (item["resource_id"], item["resource_link_id"]) == (course.placement.key, LINK)
    assert course.gradebook() == {ada.sub: 3.33}

    # Another learner, and more work from the first: the same column, the latest scores.
    theirs = course.post(bo, "Listening first, then asking about the real constraint.")
    course.reply(bo, mine)
    course.reply(ada, theirs)
    course.worker().drain()
    assert len(course.items()) == 1
    assert course.gradebook() == {ada.sub: 6.67, bo.sub: 6.67}
    [score] = [s for s in course.sandbox.store.scores() if s["user_id"] == bo.sub]
    assert (score["activity_progress"], score["grading_progress"]) == ("Completed", "FullyGraded")
    rows = course.rows()
    assert [(row.status, row.last_message) for row in rows] == [(SENT, None), (SENT, None)]
    assert rows[0].line_item_url is not None
    assert {row.line_item_url for row in rows} == {rows[0].line_item_url}

    # Each accepted score is an xAPI statement: the learner scored raw of max on the placement.
    statements = scored_statements(course.session)
    assert len(statements) == 3
    *_, last = [s for s in statements if s["actor"]["account"]["name"] == ada.sub]  # type: ignore[index]
    assert last["result"]["score"] == {"raw": 6.67, "min": 0.0, "max": 10.0, "scaled": 0.667}  # type: ignore[index]


def test_a_409_for_two_scores_in_one_second_is_retried_a_second_later(course: Course) -> None:
    """Moodle's rule, as the sandbox has it: a score whose timestamp is not after the last one
    (in whole seconds) is refused with an empty 409. Here the LMS holds a score one second
    ahead (given there in the same second), so our first try collides."""
    ada = course.learner(0)
    client = ags.AgsClient(
        ServiceClient(course.session, platform_row(course.session, course.sandbox), timeout=5),
        dict(course.visit.ags_endpoint or {}),
    )
    item = client.create_line_item(
        label=TITLE, score_maximum=10, resource_id=course.placement.key, tag=LINE_ITEM_TAG
    )
    ahead = datetime.now(UTC) + timedelta(seconds=1)
    client.submit_score(item.id, user_id=ada.sub, score_given=1, score_maximum=10, timestamp=ahead)
    course.session.commit()

    course.post(ada)
    worker = course.worker()
    worker.run_once()
    [row] = course.rows()
    assert (row.status, row.attempts) == (PENDING, 1)  # retried, not failed
    assert row.last_message is not None
    assert "equal or newer score" in row.last_message
    worker.drain()
    [row] = course.rows()
    assert row.status == SENT
    assert row.attempts >= 2
    assert course.gradebook() == {ada.sub: 3.33}
    timestamps = [s["timestamp"] for s in course.sandbox.store.scores() if s["user_id"] == ada.sub]
    assert timestamps[-1] > timestamps[0]
    assert len(course.items()) == 1  # the column found, not created twice


def test_a_refusal_is_shown_with_the_lms_message_and_re_send_all_tries_again(
    course: Course,
) -> None:
    ada = course.learner(0)
    stranger = Participant(course.sandbox.platform_id, course.sandbox.url, "not-in-this-course")
    course.post(ada)
    course.post(stranger)
    course.worker().drain()
    sent, refused = course.rows()
    assert sent.status == SENT
    assert (refused.status, refused.next_attempt_at) == (FAILED, None)  # not retried by itself
    assert refused.last_message is not None
    assert "userId 'not-in-this-course' is not a member of this course" in refused.last_message

    client = course.app.test_client()
    lt = course.staff_token()
    page = client.get(
        f"/placements/{course.placement.key}", query_string={"lt": lt, "tab": "participation"}
    )
    assert page.status_code == 200
    text = Forms(page.get_data(as_text=True)).text
    assert "Grades in the LMS" in text
    assert people.LEARNERS[0].name in text
    assert "a learner" in text  # the stranger's name is unknown
    assert "Sent" in text
    assert "Failed" in text
    assert "is not a member of this course" in text
    assert "3.33 / 10" in text

    before = len(course.sandbox.store.scores())
    resent = client.post(f"/placements/{course.placement.key}/grades/resend", data={"lt": lt})
    assert resent.status_code == 303
    assert "lt=" not in resent.headers["Location"]
    assert [row.status for row in course.rows()] == [PENDING, PENDING]
    landed = client.get(resent.headers["Location"])
    assert "will be sent to the LMS again" in Forms(landed.get_data(as_text=True)).text
    course.worker().drain()
    assert [row.status for row in course.rows()] == [SENT, FAILED]
    assert len(course.sandbox.store.scores()) == before + 1  # Ada's score went again


def test_re_send_is_for_staff_of_this_activity(course: Course) -> None:
    client = course.app.test_client()
    learner = LaunchContext(
        platform_id=course.sandbox.platform_id, issuer=course.sandbox.url, client_id="c",
        deployment_id="d", message_type="LtiResourceLinkRequest", sub="u", roles=("Learner",),
        context_id=people.COURSE_ID, resource_link_id=LINK,
        custom={claims.PLACEMENT_PARAM: course.placement.key},
    )  # fmt: skip
    with course.app.test_request_context():
        lt = issue_token(learner)
    refused = client.post(f"/placements/{course.placement.key}/grades/resend", data={"lt": lt})
    assert refused.status_code == 403
    other = client.post("/placements/another/grades/resend", data={"lt": course.staff_token()})
    assert other.status_code == 403


def test_a_learners_post_never_waits_on_the_lms(course: Course) -> None:
    """The LMS is down while the learner posts: the post succeeds, the worker's tries fail
    and back off, and the score arrives once the LMS is back."""
    ada = course.learner(0)
    server = course.sandbox.server
    server.stop()
    server.server.server_close()  # connections are refused, as from a stopped LMS
    course.post(ada)
    [row] = course.rows()
    assert row.status == PENDING

    worker = course.worker()
    worker.run_once()
    [row] = course.rows()
    assert row.status == FAILED
    assert row.next_attempt_at is not None  # a failure to reach the LMS is retried
    assert row.last_message is not None
    assert "could not be reached" in row.last_message

    course.sandbox.server = LiveServer(course.sandbox.app, server.port).start()
    worker.drain()
    [row] = course.rows()
    assert (row.status, row.last_message) == (SENT, None)
    assert course.gradebook() == {ada.sub: 3.33}


def test_a_server_error_backs_off_honouring_retry_after(course: Course) -> None:
    """A gradebook that answers 503 with Retry-After (a busy LMS, on a server of its own so
    the sandbox stays as it is): the row fails, with the message, and waits that long."""
    busy = Flask("busy-lms")

    @busy.route("/lineitems", methods=["GET", "POST"])
    def _busy() -> tuple[str, int, dict[str, str]]:
        return "Service busy, come back later", 503, {"Retry-After": "120"}

    server = LiveServer(busy).start()
    try:
        course.visit = replace(
            course.visit, ags_endpoint={"scope": SCOPES, "lineitems": f"{server.url}/lineitems"}
        )
        course.post(course.learner(0))
        course.worker().run_once()
    finally:
        server.stop()
    [row] = course.rows()
    assert row.status == FAILED
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(seconds=100)
    assert row.last_message == "The platform answered 503: Service busy, come back later"


def test_the_commands_send_what_is_due_and_say_where_the_queue_stands(course: Course) -> None:
    course.post(course.learner(0))
    course.post(Participant(course.sandbox.platform_id, course.sandbox.url, "not-in-this-course"))
    runner = course.app.test_cli_runner()
    before = runner.invoke(grades_cli, args=["status"])
    assert before.exit_code == 0, before.output
    assert "pending 2   sending 0   sent 0   failed 0" in before.output
    once = runner.invoke(grades_cli, args=["worker", "--once"])
    assert once.exit_code == 0, once.output
    assert "2 queued score(s) handled" in once.output
    after = runner.invoke(grades_cli, args=["status"])
    assert "pending 0   sending 0   sent 1   failed 1" in after.output
    assert "failed for a learner (not retried): " in after.output
    assert "is not a member of this course" in after.output
    assert course.gradebook() == {course.learner(0).sub: 3.33}


def test_the_development_server_sends_scores_from_a_thread(
    course: Course, database_url: str
) -> None:
    """With grades_worker_thread on (outside tests), the first request starts the worker."""
    app = create_app(make_settings(database_url, env="development", grades_worker_thread=True))
    try:
        assert "peerloop.grades_worker" not in app.extensions  # building an app starts nothing
        course.post(course.learner(0))
        app.test_client().get("/")
        thread: GradeWorkerThread = app.extensions["peerloop.grades_worker"]
        try:
            wait_until(lambda: [r.status for r in course.rows()] == [SENT], what="the thread")
        finally:
            thread.stop()
        assert course.gradebook() == {course.learner(0).sub: 3.33}
    finally:
        app.extensions["peerloop.engine"].dispose()


def test_the_grades_list_speaks_the_launch_language(course: Course) -> None:
    course.post(course.learner(0))
    client = course.app.test_client()
    page = client.get(
        f"/placements/{course.placement.key}",
        query_string={"lt": course.staff_token("es-ES"), "tab": "participation"},
    )
    text = Forms(page.get_data(as_text=True)).text
    assert "Calificaciones en el LMS" in text
    assert "Pendiente" in text
    assert "Puntuación máxima (10) por 1 reflexión y 2 respuestas a compañeros" in text
    assert "Reenviar todas" in text


def test_a_rule_asking_for_nothing_gives_full_marks_at_the_learners_launch(
    live_app: LiveServer, sandbox: Sandbox, tool_session: Session
) -> None:
    """0 reflections + 0 replies: opening the activity is participation enough. The launch
    queues full marks (it does not send them: the worker does)."""
    browser = requests.Session()
    picker = launch(browser, sandbox, f"/launch/{people.INSTRUCTOR.user_id}/deep-linking",
                    live_app.url)  # fmt: skip
    submit(
        browser,
        submit(
            browser,
            picker,
            "picker",
            title=TITLE,
            prompt="What would you do differently next time, and why?",
            grading="on",
        ),
    )
    [link] = sandbox.store.links()
    placement = tool_session.scalars(select(Placement)).one()
    placement.settings = {"grade_reflections": 0, "grade_replies": 0}
    tool_session.commit()

    learner = people.LEARNERS[1]
    launch(
        requests.Session(), sandbox, f"/launch/{learner.user_id}/link/{link['id']}", live_app.url
    )
    tool_session.expire_all()
    [row] = tool_session.scalars(select(QueuedScore)).all()
    assert (row.user_sub, row.user_name, row.score_given, row.status) == (
        learner.user_id,
        learner.name,
        10.0,
        PENDING,
    )
    assert sandbox.store.scores() == []
    assert send_scores(live_app) == 1
    assert [s["score_given"] for s in sandbox.store.scores()] == [10.0]


def test_a_claimed_score_is_leased_to_one_worker_until_its_lease_ends(course: Course) -> None:
    course.post(course.learner(0))
    [first] = claim(course.sessions, 10, lease_seconds=60)
    assert claim(course.sessions, 10, lease_seconds=60) == []  # another worker finds nothing
    [row] = course.rows()
    assert (row.status, row.attempts) == (SENDING, 1)
    row.claimed_until = datetime.now(UTC) - timedelta(seconds=1)  # that worker died
    course.session.commit()
    [again] = claim(course.sessions, 10, lease_seconds=60)
    assert again.id == first.id
    assert again.token != first.token
    course.worker().send(first)  # the dead worker's claim settles nothing, sends nothing
    assert course.sandbox.store.scores() == []
    course.worker().send(again)
    assert course.gradebook() == {course.learner(0).sub: 3.33}
