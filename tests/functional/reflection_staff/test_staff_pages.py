"""The instructor's pages of a reflection, through the test client on both databases: what
each tab shows, each action's effect (by the domain operation, with its statement), and the
refusals: learners, another LMS reusing the course id and subs, ids of another placement."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from activities.db import utcnow
from activities.reflection.models import Nudge, PrivateReply, Reflection
from activities.roster import RosterEntry, store
from activities.settings import SettingChange, read
from lrs_client.tables import JournalEntry
from lti_tool.auth import read_token
from lti_tool.db import get_session
from lti_tool.features.reflection import staff
from lti_tool.features.reflection.staff_forms import encode_cursor
from tests import factories
from tests.factories.reflection import (
    ContentRatingFactory,
    PeerRevealFactory,
    ReactionFactory,
    ReflectionFactory,
    ReplyFactory,
    RevisionFactory,
)
from tests.functional.reflection_staff.conftest import COURSE, Course

MEMBERS_URL = {"context_memberships_url": "http://127.0.0.1:9/members"}


def verbs(session: Session) -> list[str]:
    session.expire_all()
    payloads = session.scalars(select(JournalEntry.payload).order_by(JournalEntry.id)).all()
    return [json.loads(p)["verb"]["id"].rsplit("/", 1)[-1] for p in payloads]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def roster(course: Course, *learners: tuple[str, str], platform_id: int | None = None) -> None:
    """Store a fresh roster for the course (so pages do not call the LMS)."""
    entries = [RosterEntry(sub, name, None, ("Learner",)) for sub, name in learners]
    entries.append(RosterEntry("teacher-1", "Grace Teacher", None, ("Instructor",)))
    store(course.session, platform_id or course.platform.id, COURSE, entries)
    course.session.commit()


def test_overview_shows_counts_tabs_and_every_reflection_with_real_names(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        plain = ReflectionFactory(placement=course.placement, author_name="Ada Lovelace")
        ReflectionFactory(
            placement=course.placement, author_name="Alan Turing", anonymous=True,
            featured_at=utcnow(), featured_by_sub="teacher-1",
        )  # fmt: skip
        ReplyFactory(reflection=plain, author_name="Grace Hopper", body="Nice *idea*.")
        ReactionFactory(reflection=plain, kind="helpful")
        ReactionFactory(reflection=plain, kind="will_try")
        # The other LMS's placement: same course id and subs, never shown here.
        ReflectionFactory(placement=course.other_placement, author_name="Elsewhere Person")
    course.session.commit()

    page = client.get(course.url(), query_string={"lt": course.token()})
    assert page.status_code == 200, page.text[:2000]
    text = text_of(page.text)
    assert "2 posted" in text
    assert "1 featured" in text
    assert "– not started (no roster)" in text
    assert "Ada Lovelace" in text
    assert "Alan Turing" in text
    assert "anonymous to classmates" in text
    assert "Elsewhere Person" not in text
    assert "Helpful: 1" in text
    assert "Will try: 1" in text
    assert "Replies: 1" in text
    assert "Grace Hopper" in text
    assert "<em>idea</em>" in page.text
    assert 'aria-current="page">Reflections</a>' in page.text
    assert page.text.index("Alan Turing") < page.text.index("Ada Lovelace")  # featured first
    assert "lt=" not in re.sub(r'name="lt" value="[^"]*"', "", page.text)  # no token in URLs


def test_reflections_are_keyset_paged(client: FlaskClient, course: Course) -> None:
    now = utcnow()
    with factories.bind(course.session):
        for n in range(25):
            ReflectionFactory(
                placement=course.placement, author_name=f"Writer {n:02d}",
                created_at=now - timedelta(minutes=n),
            )  # fmt: skip
    course.session.commit()
    first = client.get(course.url(), query_string={"lt": course.token()})
    assert "Writer 00" in first.text
    assert "Writer 19" in first.text
    assert "Writer 20" not in first.text
    more = re.search(r'href="([^"]*after=[^"]*)"', first.text)
    assert more is not None
    second = client.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert "Writer 20" in second.text
    assert "Writer 24" in second.text
    assert "Writer 19" not in second.text
    # A cursor that is not ours is the first page, not an error.
    huge = encode_cursor([utcnow().isoformat(), 10**30])
    assert (
        "Writer 00"
        in client.get(course.url(), query_string={"lt": course.token(), "after": huge}).text
    )
    odd = client.get(course.url(), query_string={"lt": course.token(), "after": "%%%"})
    assert odd.status_code == 200
    assert "Writer 00" in odd.text


def test_feature_and_unfeature_go_through_the_operation(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        reflection = ReflectionFactory(placement=course.placement)
    course.session.commit()
    lt = course.token()
    done = client.post(course.url(f"/reflections/{reflection.id}/feature"), data={"lt": lt})
    assert done.status_code == 303
    assert "done=featured" in done.headers["Location"]
    assert "lt=" not in done.headers["Location"]
    course.session.expire_all()
    assert course.session.get(Reflection, reflection.id).featured_at is not None  # type: ignore[union-attr]
    assert verbs(course.session) == ["recognised"]
    shown = client.get(done.headers["Location"])
    assert "The reflection is featured as an exemplar." in shown.text
    client.post(
        course.url(f"/reflections/{reflection.id}/feature"),
        data={"lt": lt, "action": "unfeature"},
    )
    course.session.expire_all()
    assert course.session.get(Reflection, reflection.id).featured_at is None  # type: ignore[union-attr]


def test_private_reply_reaches_the_author_only_and_shows_in_history(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        reflection = ReflectionFactory(placement=course.placement, author_name="Ada Lovelace")
    course.session.commit()
    lt = course.token()
    path = course.url(f"/reflections/{reflection.id}/private-reply")
    empty = client.post(path, data={"lt": lt, "body": "  "})
    assert empty.status_code == 400
    assert 'role="alert"' in empty.text
    sent = client.post(path, data={"lt": lt, "body": "Lovely example.", "back": "history"})
    assert sent.status_code == 303
    assert f"/reflections/{reflection.id}" in sent.headers["Location"]
    note = course.session.scalars(select(PrivateReply)).one()
    assert (note.body, note.staff_name) == ("Lovely example.", "Grace Teacher")
    assert verbs(course.session) == ["replied-privately"]
    history = client.get(sent.headers["Location"])
    assert "Lovely example." in history.text
    assert "Your private note was sent to the author." in history.text


def test_history_lists_each_version_and_marks_the_one_at_reveal(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        reflection = ReflectionFactory(placement=course.placement, body="First words here.")
        second = RevisionFactory(reflection=reflection, number=2, body="Second words, rewritten.")
        RevisionFactory(
            reflection=reflection, number=3, body="Third, after reading peers.", after_reveal=True
        )
        PeerRevealFactory(
            placement_id=course.placement.id, platform_id=course.platform.id,
            sub=reflection.author_sub, revision_id=second.id,
        )  # fmt: skip
    course.session.commit()
    page = client.get(
        course.url(f"/reflections/{reflection.id}"), query_string={"lt": course.token()}
    )
    assert page.status_code == 200
    text = text_of(page.text)
    for words in ("First words here.", "Second words, rewritten.", "Third, after reading peers."):
        assert words in text
    assert text.index("Version 2: edited") < text.index("its author first saw peers")
    assert text.index("its author first saw peers") < text.index("Version 3")
    assert "written after seeing peers' reflections" in text


def test_release_and_unrelease_only_under_the_release_rule(
    client: FlaskClient, course: Course, db_session: Session
) -> None:
    lt = course.token()
    refused = client.post(course.url("/release"), data={"lt": lt})
    assert refused.status_code == 400
    assert "only for the rule" in refused.text
    overview = text_of(client.get(course.url(), query_string={"lt": lt}).text)
    assert "after posting their own (at least 15 words)" in overview

    course.placement.settings = {"reveal_rule": "on_release"}
    db_session.commit()
    page = client.get(course.url(), query_string={"lt": lt})
    assert "stay hidden until you release them" in page.text
    assert client.post(course.url("/release"), data={"lt": lt}).status_code == 303
    db_session.expire_all()
    assert read(course.placement)["released"] is True
    assert "released" in verbs(db_session)
    page = client.get(course.url(), query_string={"lt": lt})
    assert "Hide peers' reflections again" in page.text
    client.post(course.url("/release"), data={"lt": lt, "action": "unrelease"})
    db_session.expire_all()
    assert read(course.placement)["released"] is False


def test_participation_joins_the_roster_with_activity_and_pages_it(
    client: FlaskClient, course: Course
) -> None:
    learners = [(f"learner-{n:03d}", f"Learner {n:03d}") for n in range(120)]
    roster(course, *learners, ("ana", "Ana Álvarez"))
    # The same sub on the other LMS is someone else: not counted here.
    roster(course, ("learner-000", "Not Here"), platform_id=course.other_platform.id)
    with factories.bind(course.session):
        mine = ReflectionFactory(
            placement=course.placement, author_sub="learner-001", author_name="Learner 001"
        )
        ReplyFactory(reflection=mine, author_sub="learner-002")
        ReactionFactory(reflection=mine, sub="learner-002")
        ReactionFactory(reflection=mine, sub="learner-002", kind="will_try")
        ReflectionFactory(placement=course.other_placement, author_sub="learner-000")
    course.session.commit()
    lt = course.token(nrps=MEMBERS_URL)
    page = client.get(course.url(), query_string={"lt": lt, "tab": "participation"})
    assert page.status_code == 200, page.text[:3000]
    text = text_of(page.text)
    assert "1 posted" in text
    assert "120 not started" in text
    assert "Teacher" not in text.split("Learners and what each")[1]  # staff are not learners
    rows = re.findall(r'<tr data-learner="([^"]+)">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 50
    by_sub = {sub: text_of(html) for sub, html in rows}
    assert by_sub["learner-001"].startswith("Learner 001 1 0 0")
    assert by_sub["learner-002"].startswith("Learner 002 not started 1 2")
    assert next(iter(by_sub)) == "ana"  # by name, accents folded
    more = re.search(r'href="([^"]*after=[^"]*)"', page.text)
    assert more is not None
    second = client.get(more.group(1).replace("&amp;", "&"))
    assert len(re.findall(r"<tr data-learner=", second.text)) == 50
    assert "learner-049" in second.text
    assert "learner-048" not in second.text

    found = client.get(course.url(), query_string={"lt": lt, "tab": "participation", "q": "ÁLV"})
    assert re.findall(r'<tr data-learner="([^"]+)"', found.text) == ["ana"]
    idle = client.get(
        course.url(), query_string={"lt": lt, "tab": "participation", "show": "not_started"}
    )
    assert "learner-001" not in idle.text
    assert "learner-002" in idle.text


def _queries(course: Course, client: FlaskClient, lt: str) -> int:
    """Statements one participation page sends (after a first view warms the app's caches)."""
    client.get(course.url(), query_string={"lt": lt, "tab": "participation"})
    engine = course.app.extensions["peerloop.engine"]
    count = 0

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        page = client.get(course.url(), query_string={"lt": lt, "tab": "participation"})
        assert page.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_participation_takes_as_many_queries_for_5_learners_as_for_50(
    client: FlaskClient, course: Course
) -> None:
    lt = course.token(nrps=MEMBERS_URL)
    roster(course, *[(f"s-{n}", f"S {n}") for n in range(5)])
    few = _queries(course, client, lt)
    roster(course, *[(f"s-{n}", f"S {n}") for n in range(50)])
    with factories.bind(course.session):
        for n in range(0, 50, 2):
            ReflectionFactory(placement=course.placement, author_sub=f"s-{n}")
    course.session.commit()
    assert _queries(course, client, lt) == few


def test_nudges_one_learner_or_all_who_have_not_started(
    client: FlaskClient, course: Course
) -> None:
    roster(course, ("l-1", "Lena One"), ("l-2", "Lu Two"), ("l-3", "Li Three"))
    with factories.bind(course.session):
        ReflectionFactory(placement=course.placement, author_sub="l-3")
    course.session.commit()
    lt = course.token(nrps=MEMBERS_URL)
    one = client.post(course.url("/nudge"), data={"lt": lt, "learner": "l-1"})
    assert one.status_code == 303
    assert "done=nudged" in one.headers["Location"]
    again = client.post(course.url("/nudge"), data={"lt": lt, "learner": "l-1"})
    assert "done=already_nudged" in again.headers["Location"]
    stranger = client.post(course.url("/nudge"), data={"lt": lt, "learner": "teacher-1"})
    assert stranger.status_code == 404
    everyone = client.post(course.url("/nudge"), data={"lt": lt, "all": "1", "message": "Hi!"})
    assert "done=nudged_all" in everyone.headers["Location"]
    nudges = course.session.scalars(select(Nudge).order_by(Nudge.id)).all()
    assert [(n.learner_sub, n.message) for n in nudges] == [
        ("l-1", "Your instructor would love to read your reflection on this activity."),
        ("l-2", "Hi!"),
    ]
    assert verbs(course.session).count("nudged") == 2
    page = client.get(everyone.headers["Location"])
    assert "Every learner who has not started will see your note" in page.text
    assert text_of(page.text).count("Nudged ") == 2
    nobody = client.post(course.url("/nudge"), data={"lt": lt, "all": "1"})
    assert "done=none_to_nudge" in nobody.headers["Location"]


def test_content_relevance_is_a_text_bar_chart_with_the_words(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        ContentRatingFactory(placement=course.placement, stars=5, why="practical")
        ContentRatingFactory(placement=course.placement, stars=5)
        ContentRatingFactory(placement=course.placement, stars=2, why="too abstract")
    course.session.commit()
    page = client.get(course.url(), query_string={"lt": course.token(), "tab": "participation"})
    text = text_of(page.text)
    assert "Rated 5 2 (67%)" in text
    assert "Rated 2 1 (33%)" in text
    assert "Rated 1 0 (0%)" in text
    assert "“practical”" in text
    assert "“too abstract”" in text
    assert 'id="grades-heading">Grades in the LMS</h2>' in page.text


def test_settings_save_with_one_commit_and_show_in_history_in_words(
    client: FlaskClient, course: Course, db_session: Session
) -> None:
    lt = course.token()
    form = client.get(course.url(), query_string={"lt": lt, "tab": "settings"})
    assert form.status_code == 200
    assert 'name="min_words" value="15"' in form.text
    assert "grade_reflections" not in form.text  # not graded: no grading fields
    data = {
        "lt": lt, "title": "Week 1, revisited", "prompt": course.placement.prompt,
        "purpose": "Practice listening.", "reveal_rule": "after_peers",
        "reveal_after_peers": "2", "min_words": "20", "edit_window_minutes": "",
        "anonymity_allowed": "on", "due_at": "2026-12-20T17:00", "reveal_at": "",
    }  # fmt: skip
    saved = client.post(course.url("/settings"), data=data)
    assert saved.status_code == 303, saved.text[:3000]
    db_session.expire_all()
    values = read(course.placement)
    assert (values["reveal_rule"], values["reveal_after_peers"], values["min_words"]) == (
        "after_peers", 2, 20,
    )  # fmt: skip
    assert values["anonymity_allowed"] is True
    assert values["due_at"].hour == 17
    assert course.placement.title == "Week 1, revisited"
    names = set(db_session.scalars(select(SettingChange.name)))
    assert names == {"title", "purpose", "reveal_rule", "reveal_after_peers", "min_words",
                     "anonymity_allowed", "due_at"}  # fmt: skip
    history = text_of(client.get(course.url(), query_string={"lt": lt, "tab": "history"}).text)
    assert (
        "Grace Teacher changed When learners see their peers' reflections from "
        "After they post their own to After they post and enough peers have posted"
    ) in history.replace("&#39;", "'")
    assert "changed Minimum words from 15 to 20" in history
    assert "changed Title from “Week 1” to “Week 1, revisited”" in history
    assert "changed Learners may post anonymously to classmates from off to on" in history
    again = client.post(course.url("/settings"), data=data)
    assert "done=unchanged" in again.headers["Location"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"min_words": "lots"}, "min_words", "Enter a whole number."),
        ({"min_words": "5000"}, "min_words", "Enter a whole number from 0 to 1000."),
        ({"reveal_rule": "after_date", "reveal_at": ""}, "reveal_at", "Choose the date"),
        ({"due_at": "tomorrow"}, "due_at", "Enter a date and a time."),
        ({"title": "  "}, "title", "Give the activity a title."),
        ({"prompt": ""}, "prompt", "Write the question learners will answer."),
    ],
)
def test_a_bad_setting_is_shown_at_its_field_and_nothing_is_saved(
    client: FlaskClient, course: Course, db_session: Session,
    changes: dict[str, str], field: str, words: str,
) -> None:  # fmt: skip
    data = {
        "lt": course.token(), "title": "Week 1", "prompt": "Why?", "reveal_rule": "after_post",
        "reveal_after_peers": "3", "min_words": "15", "purpose": "Changed purpose",
    } | changes  # fmt: skip
    refused = client.post(course.url("/settings"), data=data)
    assert refused.status_code == 400
    assert f'<p class="field-error" id="setting-{field}-error">{words}' in refused.text
    assert f'href="#setting-{field}"' in refused.text
    db_session.expire_all()
    assert db_session.scalars(select(SettingChange)).all() == []
    assert read(course.placement)["purpose"] == ""


def test_grading_fields_appear_only_when_the_placement_grades(
    client: FlaskClient, course: Course, db_session: Session
) -> None:
    course.placement.grading = True
    db_session.commit()
    form = client.get(course.url(), query_string={"lt": course.token(), "tab": "settings"})
    assert 'name="grade_reflections"' in form.text
    assert 'name="grade_replies"' in form.text


# --- refusals ---------------------------------------------------------------------------------


def _routes(course: Course, reflection_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", course.url()),
        ("GET", course.url(f"/reflections/{reflection_id}")),
        ("POST", course.url(f"/reflections/{reflection_id}/feature")),
        ("POST", course.url(f"/reflections/{reflection_id}/private-reply")),
        ("POST", course.url("/release")),
        ("POST", course.url("/nudge")),
        ("POST", course.url("/roster")),
        ("POST", course.url("/settings")),
    ]


def _send(client: FlaskClient, method: str, path: str, lt: str) -> tuple[int, str]:
    data = {"lt": lt, "body": "x", "learner": "learner-1", "title": "T", "prompt": "P"}
    if method == "GET":
        response = client.get(path, query_string={"lt": lt})
    else:
        response = client.post(path, data=data)
    return response.status_code, response.text


def test_learners_get_403_on_every_staff_route(client: FlaskClient, course: Course) -> None:
    with factories.bind(course.session):
        reflection = ReflectionFactory(placement=course.placement, author_sub="learner-1")
    course.session.commit()
    for method, path in _routes(course, reflection.id):
        status, body = _send(client, method, path, course.learner_token())
        assert status == 403, (method, path)
        assert "Only instructors" in body
        assert 'role="alert"' in body


def test_another_lms_reusing_the_course_and_sub_reaches_nothing(
    client: FlaskClient, course: Course, db_session: Session
) -> None:
    """Staff of the second LMS (same course id, sub and link id) name the first LMS's
    placement: refused on every route, nothing written."""
    with factories.bind(course.session):
        reflection = ReflectionFactory(placement=course.placement)
    course.session.commit()
    before = len(verbs(db_session))
    for method, path in _routes(course, reflection.id):
        status, body = _send(client, method, path, course.other_token())
        assert status in (403, 404), (method, path, status)
        assert "Week 1" not in body
    db_session.expire_all()
    assert db_session.get(Reflection, reflection.id).featured_at is None  # type: ignore[union-attr]
    assert db_session.scalars(select(PrivateReply)).all() == []
    assert len(verbs(db_session)) == before


def test_a_reflection_of_another_placement_is_not_found(
    client: FlaskClient, course: Course
) -> None:
    """The right token and placement, a reflection id of the other LMS's placement: 404."""
    with factories.bind(course.session):
        elsewhere = ReflectionFactory(placement=course.other_placement)
    course.session.commit()
    lt = course.token()
    for method, path in _routes(course, elsewhere.id)[1:4]:
        status, _body = _send(client, method, path, lt)
        assert status == 404, (method, path)
    course.session.expire_all()
    assert course.session.get(Reflection, elsewhere.id).featured_at is None  # type: ignore[union-attr]


def test_a_reflection_id_past_the_columns_range_is_not_found(
    client: FlaskClient, course: Course
) -> None:
    response = client.get(
        course.url("/reflections/99999999999"), query_string={"lt": course.token()}
    )
    assert response.status_code == 404


def test_the_launch_dispatcher_gets_the_overview_from_page(course: Course) -> None:
    """``staff.page`` is what a staff launch of a reflection shows (the learner pages'
    dispatcher calls it with the launch's placement)."""
    lt = course.token()
    with course.app.test_request_context("/a/x", query_string={"tab": "history"}):
        placement = get_session().get(type(course.placement), course.placement.id)
        assert placement is not None
        html = staff.page(read_token(lt), lt, placement)
    assert 'aria-current="page">History</a>' in html
    assert "No setting has been changed since the activity was placed." in html


def test_without_a_roster_participation_lists_who_took_part(
    client: FlaskClient, course: Course
) -> None:
    with factories.bind(course.session):
        mine = ReflectionFactory(placement=course.placement, author_name="Ada Lovelace")
        ReplyFactory(reflection=mine, author_name="Grace Hopper")
        ReflectionFactory(placement=course.other_placement, author_name="Elsewhere Person")
    course.session.commit()
    page = client.get(course.url(), query_string={"lt": course.token(), "tab": "participation"})
    text = text_of(page.text)
    assert "does not share the course roster" in text
    assert "Learners who took part" in text
    assert "Ada Lovelace Words: 13 0 0" in text
    assert "Grace Hopper not yet 1 0" in text
    assert "Elsewhere Person" not in text
    assert "Find a learner by name" not in text


def test_nudge_all_goes_in_batches_each_press_nudging_the_next(
    client: FlaskClient, course: Course, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff, "NUDGE_BATCH", 2)
    roster(course, *[(f"l-{n}", f"Learner {n}") for n in range(5)])
    lt = course.token(nrps=MEMBERS_URL)
    first = client.post(course.url("/nudge"), data={"lt": lt, "all": "1"})
    assert "left=3" in first.headers["Location"]
    shown = text_of(client.get(first.headers["Location"]).text)
    assert "3 more remain: press “Nudge all” again" in shown
    assert (
        "left=1"
        in client.post(course.url("/nudge"), data={"lt": lt, "all": "1"}).headers["Location"]
    )
    last = client.post(course.url("/nudge"), data={"lt": lt, "all": "1"})
    assert "done=nudged_all" in last.headers["Location"]
    subs = course.session.scalars(select(Nudge.learner_sub).order_by(Nudge.id)).all()
    assert subs == [f"l-{n}" for n in range(5)]
