"""AGS client against the sandbox platform (lti1p3platform) over loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.lti import ags, claims
from lti_tool.lti.service_client import PlatformServiceError, ServiceClient
from lti_tool.models import ServiceToken
from sandbox import people
from tests.functional.sandbox.harness import Sandbox, platform_row

ALL_SCOPES = [claims.SCOPE_LINEITEM, claims.SCOPE_RESULT_READONLY, claims.SCOPE_SCORE]
LEARNER = people.LEARNERS[0].user_id


def make_client(session: Session, sandbox: Sandbox, **endpoint: object) -> ags.AgsClient:
    claim = {
        "scope": ALL_SCOPES,
        "lineitems": f"{sandbox.url}/api/courses/{people.COURSE_ID}/lineitems",
    } | endpoint
    return ags.AgsClient(ServiceClient(session, platform_row(session, sandbox), timeout=5), claim)


def test_line_items_are_created_found_and_updated(session: Session, sandbox: Sandbox) -> None:
    client = make_client(session, sandbox)
    created = client.create_line_item(
        label="Reflection", score_maximum=10, resource_id="placement-1", tag="participation"
    )
    assert "?type_id=1" in created.id  # the platform's line item URL keeps its query string
    again = client.find_or_create_line_item(
        label="Reflection", score_maximum=10, resource_id="placement-1"
    )
    assert again.id == created.id
    assert [item.id for item in client.find_line_items(resource_id="placement-1")] == [created.id]
    updated = client.update_line_item(ags.LineItem(created.id, "Reflection (week 2)", 20))
    assert (updated.label, updated.score_maximum) == ("Reflection (week 2)", 20)
    assert client.get_line_item(created.id).label == "Reflection (week 2)"


def test_line_item_list_follows_next_pages(session: Session, sandbox: Sandbox) -> None:
    for number in range(5):
        sandbox.store.add_lineitem(
            {
                "label": f"Item {number}",
                "score_maximum": 1.0,
                "resource_id": None,
                "resource_link_id": None,
                "tag": None,
            }
        )
    client = make_client(session, sandbox)
    client.endpoint["lineitems"] += "?limit=2"  # the platform pages its answer by two
    assert [item.label for item in client.find_line_items()] == [f"Item {n}" for n in range(5)]


def test_scores_are_fully_graded_and_results_read_back(session: Session, sandbox: Sandbox) -> None:
    client = make_client(session, sandbox)
    item = client.create_line_item(label="Reflection", score_maximum=10, resource_id="p-2")
    first = ags.next_timestamp(None)
    client.submit_score(
        item.id,
        user_id=LEARNER,
        score_given=7,
        score_maximum=10,
        timestamp=first,
        comment="Thoughtful",
    )
    stored = sandbox.store.scores()
    assert [(row["grading_progress"], row["activity_progress"]) for row in stored] == [
        ("FullyGraded", "Completed")
    ]
    results = client.results(item.id, user_id=LEARNER)
    assert [(r["userId"], r["resultScore"], r["comment"]) for r in results] == [
        (LEARNER, 7, "Thoughtful")
    ]


def test_a_score_not_newer_than_the_last_is_refused_with_what_the_409_means(
    session: Session, sandbox: Sandbox
) -> None:
    """The sandbox answers as Moodle does: whole seconds compared, a 409 with no body."""
    client = make_client(session, sandbox)
    item = client.create_line_item(label="Reflection", score_maximum=10, resource_id="p-3")
    stamp = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    client.submit_score(item.id, user_id=LEARNER, score_given=5, score_maximum=10, timestamp=stamp)
    with pytest.raises(PlatformServiceError) as refused:
        client.submit_score(
            item.id,
            user_id=LEARNER,
            score_given=6,
            score_maximum=10,
            timestamp=stamp + timedelta(milliseconds=400),  # later, but in the same second
        )
    assert refused.value.status == 409
    assert refused.value.message == (
        "The LMS refused this score: an equal or newer score exists for this person "
        "(the LMS answered 409 without a reason)."
    )
    later = ags.next_timestamp(stamp, now=stamp)  # a clock that did not move
    assert later - stamp == timedelta(seconds=1)
    assert ags.next_timestamp(stamp, now=stamp + timedelta(milliseconds=999)) == later
    client.submit_score(item.id, user_id=LEARNER, score_given=6, score_maximum=10, timestamp=later)
    assert [row["score_given"] for row in sandbox.store.scores()] == [5, 6]


def test_unknown_user_score_raises_platform_message(session: Session, sandbox: Sandbox) -> None:
    client = make_client(session, sandbox)
    item = client.create_line_item(label="Reflection", score_maximum=10, resource_id="p-4")
    with pytest.raises(PlatformServiceError, match="not a member of this course"):
        client.submit_score(
            item.id,
            user_id="nobody",
            score_given=1,
            score_maximum=10,
            timestamp=ags.next_timestamp(None),
        )


def test_access_token_is_cached_until_expiry(session: Session, sandbox: Sandbox) -> None:
    client = make_client(session, sandbox)
    service = client.client
    first = service.access_token(ALL_SCOPES)
    assert service.access_token(list(reversed(ALL_SCOPES))) == first  # same scopes, any order
    session.commit()
    count = session.scalar(select(func.count()).select_from(ServiceToken))
    assert count == 1
    row = session.scalars(select(ServiceToken)).one()
    assert row.expires_at > datetime.now(UTC) + timedelta(minutes=50)
    row.expires_at = datetime.now(UTC) + timedelta(seconds=30)  # inside the safety margin
    session.flush()
    service.access_token(ALL_SCOPES)  # a new one is fetched and replaces the dying one
    session.refresh(row)
    assert row.expires_at > datetime.now(UTC) + timedelta(minutes=50)
    assert session.scalar(select(func.count()).select_from(ServiceToken)) == 1


def test_missing_scope_and_unreachable_platform_raise_our_error(
    session: Session, sandbox: Sandbox
) -> None:
    readonly = make_client(session, sandbox, scope=[claims.SCOPE_LINEITEM_READONLY])
    with pytest.raises(PlatformServiceError, match="did not grant"):
        readonly.create_line_item(label="x", score_maximum=1)
    platform = platform_row(session, sandbox)
    platform.auth_token_url = "http://127.0.0.1:9/token"  # nothing listens on port 9
    client = ags.AgsClient(
        ServiceClient(session, platform, timeout=2),
        {
            "scope": ALL_SCOPES,
            "lineitems": f"{sandbox.url}/api/courses/{people.COURSE_ID}/lineitems",
        },
    )
    with pytest.raises(PlatformServiceError, match="could not be reached"):
        client.find_line_items()


def test_token_refused_carries_the_platform_reason(session: Session, sandbox: Sandbox) -> None:
    platform = platform_row(session, sandbox)
    platform.client_id = "someone-else"
    client = ServiceClient(session, platform, timeout=5)
    sandbox_token_url = platform.auth_token_url
    with pytest.raises(PlatformServiceError) as refused:
        client.access_token(ALL_SCOPES)
    assert refused.value.url == sandbox_token_url
    assert refused.value.status == 401
    assert refused.value.message == (
        "The platform refused an access token: client assertion is not from client peerloop-sandbox"
    )


def test_sub_paths_go_before_the_query_string() -> None:
    url = "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"
    assert ags.sub_url(url, "/scores") == (
        "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    )
    assert ags.with_params(url, {"user_id": "a b"}).endswith("?type_id=1&user_id=a+b")
