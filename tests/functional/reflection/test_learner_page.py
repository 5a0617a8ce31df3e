"""The learner's reflection page, route by route, as the browser gets it (Flask's client, on
SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from activities.db import utcnow
from activities.people import Participant
from activities.reflection import operations
from activities.reflection.models import (
    ContentRating,
    Nudge,
    PeerReveal,
    Reaction,
    Reflection,
    ReflectionRevision,
    Reply,
)
from tests.functional.reflection.conftest import Course, card_ids

TEXT = "I will listen first and ask one open question in every client meeting."


def _count(course: Course, model: type, **where: object) -> int:
    course.session.expire_all()
    query = select(func.count()).select_from(model).filter_by(**where)
    return course.session.scalar(query) or 0


def test_a_learners_launch_of_a_reflection_shows_the_reflection_page(
    course: Course, client: FlaskClient
) -> None:
    """The frame's /placements/<key> dispatches by kind: learners get the write box, staff
    the instructor view."""
    learner = client.get(f"/placements/{course.key}", query_string={"lt": course.token("ann")})
    assert learner.status_code == 200
    assert 'name="body"' in learner.text
    assert "How would you <em>apply</em> this at work?" in learner.text
    staff = client.get(
        f"/placements/{course.key}", query_string={"lt": course.token("t", staff=True)}
    )
    assert staff.status_code == 200
    assert "Instructor view" in staff.text
    assert 'name="body"' not in staff.text


def test_a_kind_with_no_page_of_its_own_gets_the_frames_page(
    course: Course, client: FlaskClient
) -> None:
    placement = course.placement()
    placement.kind = "discussion"  # type: ignore[assignment]  # not built yet: no page
    course.session.commit()
    page = client.get(f"/placements/{course.key}", query_string={"lt": course.token("ann")})
    assert page.status_code == 200
    assert "How would you *apply* this at work?" in page.text  # the frame's plain prompt
    assert 'name="body"' not in page.text


def test_purpose_and_due_date_are_shown_relative_and_dated(course: Course) -> None:
    due = utcnow() + timedelta(days=3)
    course.set(purpose="Your next meeting goes better.", due_at=due.isoformat())
    page = course.page(course.token("ann")).text
    assert "Why this matters to you" in page
    assert "Your next meeting goes better." in page
    assert "Due in 3 days" in page
    assert page.count(due.isoformat()) == 1  # only in the <time> element's machine attribute


def test_posting_redirects_to_the_page_which_shows_it_and_a_double_submit_posts_once(
    course: Course,
) -> None:
    ann = course.token("ann", "Ann Lee")
    first = course.post(ann, TEXT, ct="ab" * 16)
    assert first.status_code == 303
    assert "/a/here?page=" in first.headers["Location"]
    assert "lt=" not in first.headers["Location"]
    again = course.post(ann, TEXT + " (again)", ct="ab" * 16)
    assert again.status_code == 303
    assert _count(course, Reflection, placement_id=course.placement().id) == 1
    page = course.client.get(first.headers["Location"])
    assert "Your reflection is posted." in page.text
    assert "I will listen first" in page.text
    assert 'name="ct"' not in page.text  # one per learner: no second write box


def test_an_empty_or_too_long_reflection_comes_back_with_what_was_typed(course: Course) -> None:
    ann = course.token("ann")
    empty = course.post(ann, "   ")
    assert empty.status_code == 400
    assert "Write your reflection first." in empty.text
    assert 'aria-invalid="true"' in empty.text
    long = course.post(ann, "word " * 5000)
    assert long.status_code == 400
    assert "the most is 20,000" in long.text
    assert "word word word" in long.text
    assert _count(course, Reflection) == 0


def test_preview_renders_the_writers_text_in_place_or_as_the_page(course: Course) -> None:
    ann = course.token("ann")
    fragment = course.client.post(
        f"/a/{course.key}/preview",
        data={"lt": ann, "body": "**bold** <script>x()</script>"},
        headers={"X-Requested-With": "fetch"},
    )
    assert fragment.status_code == 200
    assert "<strong>bold</strong>" in fragment.text
    assert "<script>x()" not in fragment.text
    assert "<html" not in fragment.text
    page = course.client.post(f"/a/{course.key}/preview", data={"lt": ann, "body": "*hi*"})
    assert page.status_code == 200
    assert "<em>hi</em>" in page.text
    assert ">*hi*</textarea>" in page.text
    assert _count(course, Reflection) == 0


def test_peers_stay_out_of_the_page_until_the_rule_lets_them_in(course: Course) -> None:
    bob = course.token("bob", "Bob Stone")
    course.post(bob, "Bob's secret thoughts on meetings and listening well.")
    ann = course.token("ann", "Ann Lee")
    hidden = course.page(ann).text
    assert "Bob" not in hidden
    assert "secret thoughts" not in hidden
    assert "Hidden for now." in hidden
    assert "once you have posted your own reflection of at least 3 words" in hidden
    assert "If you delete your reflection, they are hidden again." in hidden
    assert 'id="r-' not in hidden
    # Too short: still hidden, with how many words are missing.
    course.post(ann, "Too short")
    short = course.page(ann).text
    assert "needs 1 more word" in short
    assert "secret thoughts" not in short
    assert _count(course, PeerReveal) == 0
    mine = course.session.scalars(select(Reflection).filter_by(author_sub="ann")).one()
    course.client.post(
        f"/a/{course.key}/reflections/{mine.id}", data={"lt": ann, "body": "Now long enough here"}
    )
    shown = course.page(ann).text
    assert "secret thoughts" in shown
    assert "Bob Stone" in shown
    assert _count(course, PeerReveal, sub="ann") == 1
    course.page(ann)
    assert _count(course, PeerReveal, sub="ann") == 1  # recorded once


def test_each_reveal_rule_says_what_unlocks_peers(course: Course) -> None:
    ann = course.token("ann")
    course.set(reveal_rule="after_peers", reveal_after_peers=2)
    course.post(ann, TEXT)
    assert "Waiting for 2 more classmates to post." in course.page(ann).text
    course.set(reveal_rule="on_release")
    assert "when your instructor releases them" in course.page(ann).text
    course.set(reveal_rule="after_date", reveal_at=(utcnow() + timedelta(days=2)).isoformat())
    assert "That is in 2 days." in course.page(ann).text
    course.set(reveal_rule="after_post", edit_window_minutes=30)
    assert "they appear in 30 minutes" in course.page(ann).text


def test_edit_keeps_the_history_and_delete_asks_first(course: Course) -> None:
    ann = course.token("ann")
    course.post(ann, TEXT)
    mine = course.session.scalars(select(Reflection)).one()
    form = course.page(ann, edit=str(mine.id)).text
    assert "Change your reflection" in form
    edited = course.client.post(
        f"/a/{course.key}/reflections/{mine.id}", data={"lt": ann, "body": "A better version."}
    )
    assert edited.status_code == 303
    assert _count(course, ReflectionRevision, reflection_id=mine.id) == 2
    ask = course.client.post(f"/a/{course.key}/reflections/{mine.id}/delete", data={"lt": ann})
    assert ask.status_code == 200
    assert "Delete this reflection?" in ask.text
    assert _count(course, Reflection, deleted_at=None) == 1
    done = course.client.post(
        f"/a/{course.key}/reflections/{mine.id}/delete", data={"lt": ann, "confirm": "yes"}
    )
    assert done.status_code == 303
    assert _count(course, Reflection, deleted_at=None) == 0
    assert 'name="body"' in course.page(ann).text  # the write box again


def test_several_per_learner_offers_another_write_box(course: Course) -> None:
    course.set(several_per_learner=True)
    ann = course.token("ann")
    course.post(ann, TEXT, ct="1" * 32)
    page = course.page(ann).text
    assert "Add another reflection" in page
    course.post(ann, "A second thought about the same meeting.", ct="2" * 32)
    assert _count(course, Reflection, author_sub="ann") == 2


def _two_posted(course: Course) -> tuple[str, str, int]:
    ann, bob = course.token("ann", "Ann Lee"), course.token("bob", "Bob Stone")
    course.post(ann, TEXT)
    course.post(bob, "Bob thinks listening beats talking every single time.")
    bobs = course.session.scalars(select(Reflection).filter_by(author_sub="bob")).one()
    return ann, bob, bobs.id


def test_reactions_toggle_one_each_with_counts_and_aria_pressed(course: Course) -> None:
    ann, _bob, bobs = _two_posted(course)
    url = f"/a/{course.key}/reflections/{bobs}/reactions"
    page = course.page(ann).text
    assert page.count('aria-pressed="false"') == 3
    for _ in range(2):  # a resent form changes nothing more
        assert (
            course.client.post(url, data={"lt": ann, "kind": "helpful", "on": "1"}).status_code
            == 303
        )
    assert _count(course, Reaction, reflection_id=bobs, kind="helpful") == 1
    page = course.page(ann).text
    assert page.count('aria-pressed="true"') == 1
    assert 'aria-pressed="true">Helpful <span class="count">1</span>' in page
    course.client.post(url, data={"lt": ann, "kind": "helpful", "on": "0"})
    assert _count(course, Reaction, reflection_id=bobs) == 0
    assert course.client.post(url, data={"lt": ann, "kind": "best"}).status_code == 400


def test_replies_are_one_level_and_shown_under_the_reflection(course: Course) -> None:
    ann, bob, bobs = _two_posted(course)
    url = f"/a/{course.key}/reflections/{bobs}/replies"
    assert course.client.post(url, data={"lt": ann, "body": ""}).status_code == 400
    for _ in range(2):  # a double submit replies once
        assert course.client.post(url, data={"lt": ann, "body": "Same for me!"}).status_code == 303
    assert _count(course, Reply, reflection_id=bobs) == 1
    # Bob sees it as recognition; a third learner sees it under Bob's card.
    bobs_page = course.page(bob).text
    assert "1 reply" in bobs_page
    assert "Same for me!" in bobs_page  # the author reads the replies under their own
    cy = course.token("cy", "Cy Park")
    course.post(cy, "Cy writes a reflection of enough words.")
    page = course.page(cy).text
    assert "Same for me!" in page
    assert "Ann Lee" in page


def test_my_recognition_shows_reactions_featured_and_private_replies_to_the_author_only(
    course: Course,
) -> None:
    ann, bob, bobs = _two_posted(course)
    course.client.post(
        f"/a/{course.key}/reflections/{bobs}/reactions",
        data={"lt": ann, "kind": "will_try", "on": "1"},
    )
    placement = course.placement()
    staff = Participant(
        course.platform_id, course.issuer, "t", "Tess Teacher", roles=("Instructor",)
    )
    visit = _visit(course)
    operations.feature(course.session, staff, placement, visit, bobs)
    operations.private_reply(course.session, staff, placement, visit, bobs, "Lovely point, Bob.")
    course.session.commit()
    mine = course.page(bob).text
    assert "My recognition" in mine
    assert "I'll try this: 1" in mine
    assert "Featured by your instructor" in mine
    assert "Lovely point, Bob." in mine
    assert "only you can see it" in mine
    peer = course.page(ann).text
    assert "Lovely point" not in peer
    assert "Featured by your instructor" in peer  # the exemplar is labelled for peers too


def _visit(course: Course):  # type: ignore[no-untyped-def]
    from activities.recording import Visit
    from lti_tool.config import Settings

    settings: Settings = course.app.config["PEERLOOP"]
    return Visit(
        tool_url=settings.base_url, options=settings.xapi_options(), version=settings.lrs_version
    )


def test_rating_the_content_is_one_click_changeable_and_checked(course: Course) -> None:
    ann = course.token("ann")
    url = f"/a/{course.key}/rating"
    assert (
        course.client.post(url, data={"lt": ann, "stars": "4", "why": "Practical"}).status_code
        == 303
    )
    assert course.client.post(url, data={"lt": ann, "stars": "5"}).status_code == 303
    rows = course.session.scalars(select(ContentRating)).all()
    assert [(r.stars, r.why) for r in rows] == [(5, None)]
    assert 'value="5" checked' in course.page(ann).text
    for bad in ({"stars": "6"}, {"stars": "x"}, {"stars": "3", "why": "w" * 81}):
        assert course.client.post(url, data={"lt": ann, **bad}).status_code == 400


def test_a_nudge_is_shown_once(course: Course) -> None:
    course.session.add(
        Nudge(
            placement_id=course.placement().id,
            learner_platform_id=course.platform_id,
            learner_sub="ann",
            staff_sub="t",
            staff_name="Tess Teacher",
            message="We would love to read yours.",
        )
    )
    course.session.commit()
    ann = course.token("ann")
    first = course.page(ann).text
    assert "We would love to read yours." in first
    assert 'role="status"' in first
    assert "We would love to read yours." not in course.page(ann).text


def test_peers_are_featured_first_then_newest_and_keyset_paged(course: Course) -> None:
    placement = course.placement()
    base = utcnow() - timedelta(hours=1)
    for n in range(23):
        course.session.add(
            Reflection(
                placement_id=placement.id, author_platform_id=course.platform_id,
                author_sub=f"p{n}", author_name=f"Peer {n}", body=f"Peer {n} wrote this.",
                word_count=4, created_at=base + timedelta(minutes=n),
                updated_at=base + timedelta(minutes=n),
                featured_at=utcnow() if n == 2 else None,
            )
        )  # fmt: skip
    course.session.commit()
    ann = course.token("ann")
    course.post(ann, TEXT)
    first = course.page(ann).text
    ids = card_ids(first)
    assert len(ids) == 21  # the featured one, then a page of 20
    assert "Peer 2 wrote" in first.split("<article")[2]  # after the learner's own
    assert "Show more" in first
    after = first.split("after=")[1].split("&")[0].split("#")[0].split('"')[0]
    second = course.page(ann, after=after).text
    assert card_ids(second)
    assert not set(card_ids(second)) & set(ids)
    assert "Show more" not in second
    assert "Peer 0 wrote" in second
    assert len(card_ids(course.page(ann, after="garbage").text)) == 21


def test_the_anonymity_choice_is_explained_and_only_where_allowed(course: Course) -> None:
    words = "Hidden from classmates; your instructor can see your name"
    assert words not in course.page(course.token("ann")).text
    course.set(anonymity_allowed=True)
    assert words in course.page(course.token("ann")).text
    course.set(anonymity_allowed=False)
    refused = course.post(course.token("ann"), TEXT, anonymous="on")
    assert refused.status_code == 400
    assert _count(course, Reflection) == 0


def test_an_expired_token_on_a_form_says_to_reopen_the_activity(course: Course) -> None:
    course.app.config["PEERLOOP"] = course.app.config["PEERLOOP"].model_copy(
        update={"launch_token_ttl_seconds": -1}
    )
    expired = course.post(course.token("ann"), TEXT)
    assert expired.status_code == 401
    assert "Reopen this activity from your course in the LMS" in expired.text
    assert _count(course, Reflection) == 0


def test_the_page_speaks_spanish_for_a_spanish_launch(course: Course) -> None:
    course.set(anonymity_allowed=True)
    ann = course.token("ann", locale="es-ES")
    page = course.page(ann).text
    assert 'lang="es"' in page
    assert "Tu reflexión" in page
    assert "Oculto para tus compañeros; tu profesor puede ver tu nombre" in page
    course.post(ann, "Texto corto")
    assert "Tu reflexión necesita 1 palabra más." in course.page(ann).text
