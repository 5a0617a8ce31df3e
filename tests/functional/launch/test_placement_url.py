"""The placement key in the link's URL (``/lti/launch/p/<key>``), for LMSs that drop the
deep-link item's ``custom`` (Chamilo): read from the signed target_link_uri, which must still
be Peerloop's, and that path takes the launch POST as ``/lti/launch`` does."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.placements import Placement
from lti_tool.lti.placement_links import placement_url
from lti_tool.models import Platform
from tests import factories
from tests.factories import PlacementFactory
from tests.support.platform_signer import PlatformSigner

BASE = "http://127.0.0.1:5000"


def _placement(lms: PlatformSigner, db_session: Session, **fields: str) -> Placement:
    platform = db_session.scalars(select(Platform).where(Platform.issuer == lms.issuer)).one()
    with factories.bind(db_session):
        row = PlacementFactory(platform=platform, deployment_id=lms.deployment_id, **fields)
    db_session.commit()
    return row


def test_a_launch_without_custom_finds_its_placement_by_the_url(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    placement = _placement(lms, db_session, prompt="What did the data show?")
    page = lms.launch(client, lti_target_link_uri=placement_url(BASE, placement.key))
    assert page.status_code == 200
    assert "What did the data show?" in page.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Placement, placement.id).resource_link_id == "link-1"


def test_the_placement_path_takes_the_launch_post(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    """Chamilo posts the id_token to the link's own URL, not to the redirect URI."""
    placement = _placement(lms, db_session, prompt="Which step was hardest?")
    url = placement_url(BASE, placement.key)
    _, state, nonce = lms.login(client, target_link_uri=url)
    token = lms.sign(lms.claims(nonce, lti_target_link_uri=url))
    posted = client.post(
        f"/lti/launch/p/{placement.key}",
        data={"id_token": token, "state": state},
        follow_redirects=True,
    )
    assert posted.status_code == 200
    assert "Which step was hardest?" in posted.get_data(as_text=True)


def test_the_key_comes_from_the_signed_claim_not_the_posted_path(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    mine = _placement(lms, db_session, prompt="Mine")
    other = _placement(lms, db_session, prompt="Someone else's")
    url = placement_url(BASE, mine.key)
    _, state, nonce = lms.login(client, target_link_uri=url)
    token = lms.sign(lms.claims(nonce, lti_target_link_uri=url))
    posted = client.post(
        f"/lti/launch/p/{other.key}",
        data={"id_token": token, "state": state},
        follow_redirects=True,
    )
    text = posted.get_data(as_text=True)
    assert "Mine" in text
    assert "Someone else&#39;s" not in text


def test_the_custom_value_wins_over_the_url(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    typed = _placement(lms, db_session, prompt="Typed into custom")
    linked = _placement(lms, db_session, prompt="In the URL")
    page = lms.launch(
        client,
        lti_target_link_uri=placement_url(BASE, linked.key),
        lti_custom={"peerloop_placement": typed.key},
    )
    assert "Typed into custom" in page.get_data(as_text=True)


def test_a_foreign_target_with_the_placement_path_is_refused(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    placement = _placement(lms, db_session)
    page = lms.launch(
        client, lti_target_link_uri=f"https://evil.example.test/lti/launch/p/{placement.key}"
    )
    assert page.status_code == 401
    assert "which is not Peerloop" in page.get_data(as_text=True)


def test_a_url_key_naming_nothing_is_a_404(client: FlaskClient, lms: PlatformSigner) -> None:
    page = lms.launch(client, lti_target_link_uri=placement_url(BASE, "removed-key"))
    assert page.status_code == 404
