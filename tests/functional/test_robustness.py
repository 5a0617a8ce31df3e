"""No input gets a 500 or a stack trace, on any route, with any method.

Every rule of ``app.url_map`` is sent a fixed list of nasty requests, then hypothesis-made
garbage (path values, query strings, form and JSON bodies, wrong content types, oversized
bodies, NUL and non-UTF-8 bytes, launch tokens good, expired, forged and misshapen, in ``lt``
and in ``Authorization: Bearer``). Whatever was sent, the answer is below 500, an HTML error
page has ``role="alert"`` and no traceback, and a JSON endpoint's success is JSON.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.grading import QueuedScore
from activities.placements import Placement
from activities.reflection.models import Reflection
from lrs_client.tables import JournalEntry
from lti_tool.config import Settings
from tests.support.robustness import NOWHERE, Seeded, assert_sane, seed
from tests.support.settings import make_settings

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Calls out (AGS, NRPS, registration) go to a refusing loopback port; fail them fast."""
    return make_settings(database_url, http_timeout_seconds=2)


@pytest.fixture
def seeded(app: Flask, db_session: Session) -> Seeded:
    return seed(app, db_session)


def _rules(app: Flask) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()})


def _path(rule: str, value: str) -> str:
    """The rule with every ``<converter:name>`` replaced by ``value`` (already quoted)."""
    out, rest = "", rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        out += head + value
        rest = tail.partition(">")[2]
    return out + rest


def _tokens(seeded: Seeded) -> list[str]:
    return [
        seeded.staff,
        seeded.staff_deep_linking,
        seeded.learner,
        seeded.other_platform_staff,
        seeded.expired,
        seeded.forged,
        seeded.misshapen,
        "not-a-token",
        seeded.staff[:-3] + "AAA",  # tampered signature
        "x" * 5000,
    ]


def _fields(token: str, value: str) -> dict[str, str]:
    """Every form field any route reads, set to ``value`` (the token as ``lt``)."""
    return {
        "lt": token,
        "iss": value,
        "login_hint": value,
        "target_link_uri": value,
        "client_id": value,
        "lti_message_hint": value,
        "lti_deployment_id": value,
        "lti_storage_target": value,
        "state": value,
        "id_token": value,
        "error": value,
        "error_description": value,
        "storage_state": value,
        "storage_nonce": value,
        "title": value,
        "prompt": value,
        "user_id": value,
        "score": value,
        "event": value,
        "placement": value,
        "openid_configuration": value,
        "registration_token": value,
        "sync": value,
        # the reflection's forms
        "body": value,
        "ct": value,
        "anonymous": value,
        "kind": value,
        "on": value,
        "stars": value,
        "why": value,
        "confirm": value,
        "reflection": value,
        "after": value,
        "edit": value,
        "page": value,
        # The reflection's staff pages (reflection/staff.py): actions, search, paging, settings.
        "action": value,
        "learner": value,
        "all": value,
        "message": value,
        "back": value,
        "q": value,
        "show": value,
        "tab": value,
        "done": value,
        "purpose": value,
        "due_at": value,
        "anonymity_allowed": value,
        "reveal_rule": value,
        "reveal_after_peers": value,
        "reveal_at": value,
        "min_words": value,
        "edit_window_minutes": value,
        "several_per_learner": value,
        "grade_reflections": value,
        "grade_replies": value,
    }


NASTY_VALUES = (
    "\x00",
    "a\x00b",
    "\ufffd\ud7ff",
    "x" * 100_000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "nan",
    "5",
    "-1e309",
    "https://lms.robust.test",
    f"{NOWHERE}/openid",
    "initialized",
    "p" * 32,
)

PATH_VALUES = ("%00", "%FF%FE", "a" * 3000, "..%2F..%2Fetc%2Fpasswd", "p" * 32, "q" * 32, "%20")


def _nasty_requests(seeded: Seeded) -> list[tuple[str, dict[str, Any]]]:
    """(label, client.open keyword arguments) for the fixed list of bad requests."""
    cases: list[tuple[str, dict[str, Any]]] = [
        ("nothing", {}),
        ("NUL query", {"query_string": "lt=%00&iss=%00&login_hint=%00&sync=%00"}),
        ("non-UTF-8 query", {"query_string": "lt=%FF%FE&iss=%FF&login_hint=%C3%28"}),
        (
            "raw non-UTF-8 form",
            {"data": b"lt=\xff\xfe&title=\xc3\x28&iss=\x00", "content_type": FORM},
        ),
        ("JSON body", {"json": {"lt": seeded.staff, "title": [1], "score": {"a": None}}}),
        ("JSON that is not", {"data": b'{"lt": ', "content_type": "application/json"}),
        ("multipart without boundary", {"data": b"--x\r\n", "content_type": "multipart/form-data"}),
        ("oversized form", {"data": b"lt=" + b"x" * (2 * 1024 * 1024 + 10), "content_type": FORM}),
        (
            "oversized other",
            {"data": b"\x00" * (2 * 1024 * 1024 + 10), "content_type": "text/plain"},
        ),
        ("bearer garbage", {"headers": {"Authorization": "Bearer \xff\xfe garbage"}}),
        ("bearer empty", {"headers": {"Authorization": "Bearer "}}),
        ("basic auth", {"headers": {"Authorization": "Basic Zm9vOmJhcg=="}}),
    ]
    for token in _tokens(seeded):
        label = token[:12]
        cases.append((f"bearer {label}", {"headers": {"Authorization": f"Bearer {token}"}}))
        cases.append((f"lt query {label}", {"query_string": {"lt": token}}))
        for value in NASTY_VALUES:
            cases.append(
                (
                    f"form {label} {value[:12]!r}",
                    {"data": _fields(token, value), "content_type": FORM},
                )
            )
    return cases


def test_every_route_and_method_survives_the_nasty_list(
    app: Flask, client: FlaskClient, seeded: Seeded
) -> None:
    cases = _nasty_requests(seeded)
    for rule in _rules(app):
        for method in METHODS:
            for value in PATH_VALUES if "<" in rule else ("",):
                path = _path(rule, value)
                response = client.open(path, method=method)
                assert_sane(response, rule, f"{method} {path[:80]}")
        allowed = next(r for r in app.url_map.iter_rules() if r.rule == rule).methods or set()
        for method in sorted(allowed - {"HEAD", "OPTIONS"}):
            path = _path(rule, seeded.placement_key)
            for label, kwargs in cases:
                response = client.open(path, method=method, **kwargs)
                assert_sane(response, rule, f"{method} {label}")


def test_method_not_allowed_says_which_are(client: FlaskClient) -> None:
    """A 405 is an error page that keeps the Allow header the HTTP spec requires."""
    response = client.put("/lti/launch")
    assert response.status_code == 405
    assert 'role="alert"' in response.get_data(as_text=True)
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_a_token_signed_with_our_key_but_of_another_shape_is_refused(
    client: FlaskClient, seeded: Seeded
) -> None:
    """A token from an older release (other fields) is a 401 that says to reopen the page."""
    response = client.get(
        f"/placements/{seeded.placement_key}", query_string={"lt": seeded.misshapen}
    )
    assert response.status_code == 401
    assert "Open the activity again from your LMS" in response.get_data(as_text=True)


def _reflection_ids(app: Flask, db_session: Session, seeded: Seeded) -> tuple[int, int]:
    """The seeded learner's reflection, and one of the other platform's placement."""
    ids = []
    for key, sub in ((seeded.placement_key, "learner-1"), (seeded.other_placement_key, "x")):
        placement = db_session.scalars(select(Placement).filter_by(key=key)).one()
        reflection = Reflection(
            placement_id=placement.id,
            author_platform_id=placement.platform_id,
            author_sub=sub,
            body="A reflection of some words.",
            word_count=5,
        )
        db_session.add(reflection)
        db_session.flush()
        ids.append(reflection.id)
    db_session.commit()
    return ids[0], ids[1]


def test_the_reflection_routes_with_real_ids_survive_the_nasty_list(
    app: Flask, client: FlaskClient, seeded: Seeded, db_session: Session
) -> None:
    """The routes that take a reflection id, with the learner's own id and another
    platform's: every bad request of the list, never a 500."""
    own, foreign = _reflection_ids(app, db_session, seeded)
    cases = _nasty_requests(seeded)
    for reflection_id in (own, foreign, 2**63):
        for suffix in ("", "/delete", "/reactions", "/replies"):
            rule = f"/a/<key>/reflections/<int(max=2147483647):reflection_id>{suffix}"
            path = f"/a/{seeded.placement_key}/reflections/{reflection_id}{suffix}"
            for label, kwargs in cases:
                response = client.open(path, method="POST", **kwargs)
                assert_sane(response, rule, f"POST {label}")


def test_a_double_submitted_reflection_posts_once(
    client: FlaskClient, seeded: Seeded, db_session: Session
) -> None:
    form = {"lt": seeded.learner, "body": "Twice sent, once kept.", "ct": "f" * 32}
    for _ in range(3):
        response = client.post(f"/a/{seeded.placement_key}/reflections", data=form)
        assert response.status_code == 303
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Reflection)) == 1


# --- generated garbage ------------------------------------------------------------------------

_text = st.text(max_size=60) | st.sampled_from(NASTY_VALUES[:3])
_query = st.dictionaries(st.sampled_from(sorted(_fields("", ""))), _text, max_size=5)
_raw = st.binary(max_size=300)


@st.composite
def _request(draw: st.DrawFn, rules: list[str], tokens: list[str]) -> dict[str, Any]:
    rule = draw(st.sampled_from(rules))
    path_value = quote(draw(st.text(min_size=1, max_size=40)), safe="")
    token = draw(st.sampled_from(tokens) | _text)
    kwargs: dict[str, Any] = {
        "path": _path(rule, path_value),
        "method": draw(st.sampled_from(METHODS)),
        "query_string": draw(_query | _raw.map(lambda b: quote(b, safe="=&"))),
    }
    body = draw(st.sampled_from(["none", "form", "json", "raw", "big"]))
    fields = draw(_query)
    if draw(st.booleans()):
        fields["lt"] = token
    else:
        # No CR/LF: HTTP cannot carry them in a header, so no client can send them.
        header = f"Bearer {token}".encode().decode("latin-1")
        kwargs["headers"] = {"Authorization": header.replace("\r", "").replace("\n", "")}
    if body == "form":
        kwargs["data"] = fields
        kwargs["content_type"] = FORM
    elif body == "json":
        kwargs["json"] = draw(st.recursive(st.none() | st.integers() | _text, st.lists))
    elif body == "raw":
        kwargs["data"] = draw(_raw)
        kwargs["content_type"] = draw(
            st.sampled_from([FORM, "application/json", "multipart/form-data", "text/plain", "\x7f"])
        )
    elif body == "big":
        kwargs["data"] = b"a=" + b"\xff" * (2 * 1024 * 1024)
        kwargs["content_type"] = FORM
    return {"rule": rule, **kwargs}


def test_generated_garbage_never_gets_a_server_error(
    app: Flask, client: FlaskClient, seeded: Seeded
) -> None:
    @hypothesis_settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=_request(_rules(app), _tokens(seeded)))
    def check(request: dict[str, Any]) -> None:
        rule = request.pop("rule")
        response = client.open(**request)
        assert_sane(response, rule, f"{request['method']} {str(request)[:300]}")

    check()


# --- CSRF: state-changing POSTs need the launch token, never a cookie -------------------------


def _counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Placement)) or 0,
        session.scalar(select(func.count()).select_from(QueuedScore)) or 0,
        session.scalar(select(func.count()).select_from(JournalEntry)) or 0,
    )


def test_state_changing_posts_without_the_right_token_are_refused(
    client: FlaskClient, seeded: Seeded, db_session: Session
) -> None:
    """Without a token, with one for another platform's course, or a learner's where staff is
    needed: a clear 4xx and nothing written. A cookie alone (what a cross-site form would
    bring) authorises nothing."""
    key = seeded.placement_key
    client.set_cookie("session", "anything-a-browser-would-send")
    form = {"title": "T", "prompt": "How would you use this?", "user_id": "learner-1"}
    cases = [
        ("/deep-linking/placements", None, 401, "must be opened from your LMS"),
        ("/deep-linking/placements", seeded.learner, 403, "Only instructors"),
        ("/deep-linking/placements", seeded.staff, 400, "Deep Linking"),
        ("/deep-linking/placements", seeded.expired, 401, "opened too long ago"),
        (f"/placements/{key}/grades/resend", None, 401, "must be opened from your LMS"),
        (f"/placements/{key}/grades/resend", seeded.learner, 403, "Only instructors"),
        (f"/placements/{key}/grades/resend", seeded.other_platform_staff, 403, "another activity"),
        (f"/placements/{key}/grades/resend", seeded.forged, 401, "could not confirm who you are"),
        ("/events", None, 401, "must be opened from your LMS"),
        ("/events", seeded.other_platform_staff, 400, "not the one your LMS opened"),
    ]
    for action in ("settings", "nudge", "release", "roster", "reflections/1/feature",
                   "reflections/1/private-reply"):  # fmt: skip
        path = f"/a/{key}/staff/{action}"
        cases += [
            (path, None, 401, "must be opened from your LMS"),
            (path, seeded.learner, 403, "Only instructors"),
            (path, seeded.other_platform_staff, 403, "another activity"),
            (path, seeded.forged, 401, "could not confirm who you are"),
        ]
    before = _counts(db_session)
    for path, token, status, words in cases:
        data = {**form, "score": "5", "event": "initialized", "placement": key}
        if token:
            data["lt"] = token
        response = client.post(path, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == status, (path, token and token[:20], body[:500])
        assert 'role="alert"' in body, (path, body[:500])
        assert words in body, (path, body[:500])
    assert _counts(db_session) == before
