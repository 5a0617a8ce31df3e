"""Who reaches what: every route refuses a learner of another placement of the course, and of
a second LMS reusing the course id, link id and user sub; ids of another placement are not
found; and nothing a peer's browser receives names an anonymous author."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from activities.people import Participant
from activities.recording import Visit
from activities.reflection import operations
from activities.reflection.models import (
    ContentRating,
    Reaction,
    Reflection,
    ReflectionRevision,
    Reply,
)
from tests.functional.reflection.conftest import Course, card_ids

TEXT = "Listening first changes what the client tells me in the meeting."


def _rows(course: Course) -> tuple[int, ...]:
    course.session.expire_all()
    return tuple(
        course.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Reflection, ReflectionRevision, Reaction, Reply, ContentRating)
    )


def _own_id(course: Course, sub: str) -> int:
    course.session.expire_all()
    placement = course.placement()
    return course.session.scalars(
        select(Reflection.id).filter_by(placement_id=placement.id, author_sub=sub)
    ).one()


Send = Callable[[Course, str, int], TestResponse]

#: Every learner route, sent with a token against ``course``'s key and a reflection id.
ROUTES: dict[str, Send] = {
    "page": lambda c, lt, _rid: c.client.get(f"/a/{c.key}", query_string={"lt": lt}),
    "preview": lambda c, lt, _rid: c.client.post(
        f"/a/{c.key}/preview", data={"lt": lt, "body": "hello"}
    ),
    "post": lambda c, lt, _rid: c.client.post(
        f"/a/{c.key}/reflections", data={"lt": lt, "body": TEXT + " (theirs)"}
    ),
    "edit": lambda c, lt, rid: c.client.post(
        f"/a/{c.key}/reflections/{rid}", data={"lt": lt, "body": "rewritten by someone else"}
    ),
    "delete": lambda c, lt, rid: c.client.post(
        f"/a/{c.key}/reflections/{rid}/delete", data={"lt": lt, "confirm": "yes"}
    ),
    "react": lambda c, lt, rid: c.client.post(
        f"/a/{c.key}/reflections/{rid}/reactions", data={"lt": lt, "kind": "helpful", "on": "1"}
    ),
    "unreact": lambda c, lt, rid: c.client.post(
        f"/a/{c.key}/reflections/{rid}/reactions", data={"lt": lt, "kind": "helpful", "on": "0"}
    ),
    "reply": lambda c, lt, rid: c.client.post(
        f"/a/{c.key}/reflections/{rid}/replies", data={"lt": lt, "body": "a reply"}
    ),
    "rate": lambda c, lt, _rid: c.client.post(f"/a/{c.key}/rating", data={"lt": lt, "stars": "2"}),
}


@pytest.fixture
def posted(courses: tuple[Course, Course, Course]) -> tuple[Course, Course, Course, int]:
    """``bob`` and ``ann`` posted here; ann reacted to bob's reflection. The same subs
    exist on the other placement of the course and on the second LMS."""
    here, beside, elsewhere = courses
    for course in courses:
        course.post(course.token("bob", "Bob Stone"), TEXT)
        course.post(course.token("ann", "Ann Lee"), TEXT + " Ann agrees.")
    bobs = _own_id(here, "bob")
    here.client.post(
        f"/a/here/reflections/{bobs}/reactions",
        data={"lt": here.token("ann"), "kind": "made_me_think", "on": "1"},
    )
    return here, beside, elsewhere, bobs


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_learner_of_another_placement_or_lms_is_refused_and_nothing_changes(
    posted: tuple[Course, Course, Course, int], route: str
) -> None:
    here, beside, elsewhere, bobs = posted
    before = _rows(here)
    for sub in ("bob", "ann", "cy"):  # the author's own sub too: it is another person
        tokens = {
            "other link of the course": beside.token(sub, "Intruder"),
            "second LMS, same course, link and sub": elsewhere.token(sub, "Intruder"),
            # this placement's key, carried into another course of the same LMS
            "another course": here.token(sub, "Intruder", context_id="course-2"),
        }
        for where, token in tokens.items():
            response = ROUTES[route](here, token, bobs)
            assert response.status_code in (403, 404), (route, where, sub)
            assert TEXT not in response.text
            assert "Bob Stone" not in response.text
    assert _rows(here) == before


@pytest.mark.parametrize("route", ["edit", "delete", "react", "unreact", "reply"])
def test_an_id_of_another_placement_is_not_found_here(
    posted: tuple[Course, Course, Course, int], route: str
) -> None:
    """A learner of this placement names a reflection of the other link of the course, or of
    the second LMS (same sub as theirs), in this placement's URL: 404, nothing changes."""
    here, beside, elsewhere, _bobs = posted
    before = _rows(here)
    for other in (beside, elsewhere):
        for sub in ("bob", "ann"):
            foreign = _own_id(other, sub)
            response = ROUTES[route](here, here.token(sub), foreign)
            assert response.status_code == 404, (route, other.key, sub)
    assert _rows(here) == before


def test_a_reflection_hidden_by_the_rule_cannot_be_reacted_to_or_replied_to(
    courses: tuple[Course, Course, Course],
) -> None:
    here = courses[0]
    here.post(here.token("bob", "Bob Stone"), TEXT)
    bobs = _own_id(here, "bob")
    before = _rows(here)
    newcomer = here.token("dee", "Dee")  # has not posted: peers are hidden from her
    for route in ("react", "unreact", "reply"):
        response = ROUTES[route](here, newcomer, bobs)
        assert response.status_code == 404, route
        assert TEXT not in response.text
    assert _rows(here) == before


def test_nothing_a_peers_browser_receives_names_an_anonymous_author(
    courses: tuple[Course, Course, Course],
) -> None:
    """Zora posts and replies anonymously and gets a private note from staff; Ann, a peer,
    fetches everything she can: pages (first and next), the preview fragment, forms coming
    back with a mistake, the delete question, every redirect. Zora's name, sub and initials
    appear in none of it, though her words do."""
    here = courses[0]
    here.set(anonymity_allowed=True, several_per_learner=True)
    zora = here.token("zq-sub-9137", "Zora Quintana")
    for n in range(21):  # enough for a second page
        here.post(here.token(f"p{n}", f"Peer {n}"), f"Peer number {n} wrote this reflection.")
    here.post(zora, "My first anonymous thought about meetings.", anonymous="on", ct="a" * 32)
    bobs_text = "Bob writes openly about the meeting."
    here.post(here.token("bob", "Bob Stone"), bobs_text)
    bobs = _own_id(here, "bob")
    here.client.post(
        f"/a/here/reflections/{bobs}/replies",
        data={"lt": zora, "body": "An anonymous reply to Bob.", "anonymous": "on"},
    )
    zoras = _own_id(here, "zq-sub-9137")
    staff = Participant(here.platform_id, here.issuer, "t-1", "Tess", roles=("Instructor",))
    settings = here.app.config["PEERLOOP"]
    visit = Visit(settings.base_url, settings.xapi_options(), settings.lrs_version)
    operations.private_reply(
        here.session, staff, here.placement(), visit, zoras, "Private: well done"
    )
    here.session.commit()

    ann = here.token("ann", "Ann Lee")
    received: list[TestResponse] = [
        here.post(ann, TEXT, ct="b" * 32),
        here.post(ann, "", ct="c" * 32),  # a mistake: the page comes back
    ]
    first = here.page(ann)
    received.append(first)
    after = re.search(r"after=([0-9.]+)", first.text)
    assert after is not None
    received.append(here.page(ann, after=after[1]))
    anns = _own_id(here, "ann")
    for rid in (zoras, bobs):
        received += [
            here.client.post(
                f"/a/here/reflections/{rid}/reactions",
                data={"lt": ann, "kind": "helpful", "on": "1"},
            ),
            here.client.post(f"/a/here/reflections/{rid}/replies", data={"lt": ann, "body": ""}),
            here.client.post(f"/a/here/reflections/{rid}/replies", data={"lt": ann, "body": "Hi"}),
            here.client.post(f"/a/here/reflections/{rid}", data={"lt": ann, "body": "mine now"}),
            here.client.post(f"/a/here/reflections/{rid}/delete", data={"lt": ann}),
        ]
    received += [
        here.client.post(f"/a/here/reflections/{anns}/delete", data={"lt": ann}),
        here.client.post(
            "/a/here/preview", data={"lt": ann, "body": "x"}, headers={"X-Requested-With": "fetch"}
        ),
        here.client.post("/a/here/rating", data={"lt": ann, "stars": "9"}),
        here.client.get("/placements/here", query_string={"lt": ann}),
        here.page(ann),
    ]
    everything = "\n".join(
        r.get_data(as_text=True) + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
        for r in received
    )
    # Her words reach the peer, as "A classmate", so the test looks where a leak would be.
    assert "My first anonymous thought about meetings." in everything
    assert "An anonymous reply to Bob." in everything
    assert "A classmate" in everything
    assert len(set(card_ids(received[2].text) + card_ids(received[3].text))) > 20
    # Ann's own launch token and random page ids are hers: taken out, they cannot match by chance.
    everything = re.sub(
        r"page=[\w-]+|name=\"page\" value=\"[^\"]*\"", "", everything.replace(ann, "")
    )
    for secret in ("Zora", "Quintana", "zq-sub-9137", "9137", "ZQ", "Private: well done"):
        assert secret not in everything, secret
