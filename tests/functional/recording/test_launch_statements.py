"""A launch of a placement records ``launched`` in the launch's own transaction, and the real
dispatcher delivers it to the real LRS with the right actor, object, context and registration."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from activities.placements import Placement
from tests.functional.recording.conftest import (
    PSEUDONYM_SECRET,
    deliver,
    launch_placement,
    outbox,
    stored,
    verbs,
)
from tests.support.lrs import LearningLockerProcess
from tests.support.platform_signer import PlatformSigner
from xapi.vocabulary import LTI_RESOURCE_LINK_ID, PLACEMENT_KEY

LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"
TOOL_PLATFORM = {"guid": "lms-1", "name": "Moodle at Example U", "product_family_code": "moodle"}


def test_launch_queues_launched_and_the_lrs_stores_it(
    app: Flask,
    client: FlaskClient,
    lms: PlatformSigner,
    placement: Placement,
    lrs: LearningLockerProcess,
) -> None:
    response = launch_placement(
        client,
        lms,
        placement,
        locale="fr_CA",
        lti_tool_platform=TOOL_PLATFORM,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (queued,) = outbox(app)
    assert queued["verb"]["id"] == LAUNCHED
    deliver(app)

    statement = stored(lrs, queued["id"])
    assert statement["actor"]["account"] == {"homePage": lms.issuer, "name": "user-42"}
    assert "name" not in statement["actor"]  # names are off by default
    assert statement["verb"]["id"] == LAUNCHED
    obj = statement["object"]
    assert obj["id"].startswith("http://127.0.0.1:5000/xapi/activities/placement/")
    assert obj["definition"]["name"] == {"fr-CA": "Week 1 reflection"}
    context = statement["context"]
    grouping = context["contextActivities"]["grouping"]
    assert [g["id"].split("/")[-2] for g in grouping] == ["course", "placement"]
    assert grouping[0]["definition"]["name"] == {"fr-CA": "Biology 101"}
    assert grouping[1]["id"] == obj["id"]
    assert context["platform"] == "Moodle at Example U"
    assert context["language"] == "fr-CA"
    assert len(context["registration"]) == 36
    extensions = context["extensions"]
    assert lms.deployment_id in extensions.values()
    assert "course-7" in extensions.values()


def test_two_launches_are_two_statements_with_one_registration(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    """Each launch has its own statement id (from its launch id); the learner's registration
    in the placement stays the same."""
    for _ in range(2):
        assert launch_placement(client, lms, placement).status_code == 200
    first, second = outbox(app)
    assert first["id"] != second["id"]
    assert first["context"]["registration"] == second["context"]["registration"]
    assert first["object"]["id"] == second["object"]["id"]


def test_failed_launch_queues_nothing(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    """A launch the tool refuses (an id_token signed by someone else) records nothing."""
    _, state, nonce = lms.login(client)
    forged = lms.sign(lms.claims(nonce, lti_custom={"peerloop_placement": placement.key}),
                      kid="unknown-kid")  # fmt: skip
    response = client.post("/lti/launch", data={"id_token": forged, "state": state})
    assert response.status_code in (400, 401, 403), response.status_code
    assert outbox(app) == []


def test_launch_of_an_unknown_placement_queues_nothing(
    app: Flask, client: FlaskClient, lms: PlatformSigner, placement: Placement
) -> None:
    response = launch_placement(
        client, lms, placement, lti_custom={"peerloop_placement": "no-such-key"}
    )
    assert response.status_code == 404
    assert outbox(app) == []


def test_deep_linking_launch_records_no_launch(
    app: Flask, client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    """The picker has no activity yet to be the object of ``launched``."""
    response = lms.launch(
        client,
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        lti_resource_link={"id": "unused"},
        **{
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": "https://lms.example.test/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
            }
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert verbs(app) == []


def test_pseudonymised_actor_and_names_setting(
    make_app: Callable[..., Flask],
    lms: PlatformSigner,
    placement: Placement,
    lrs: LearningLockerProcess,
) -> None:
    """With pseudonymisation on, the LRS gets HMAC(secret, sub), never the LMS sub, even when
    names are turned on."""
    app = make_app(
        xapi_pseudonymize=True, xapi_pseudonym_secret=PSEUDONYM_SECRET, xapi_include_names=True
    )
    assert launch_placement(app.test_client(), lms, placement).status_code == 200
    (queued,) = outbox(app)
    deliver(app)
    actor = stored(lrs, queued["id"])["actor"]
    # 128 bits of the HMAC in hex: 32 characters, within an LRS's 50-character account.name
    expected = hmac.new(PSEUDONYM_SECRET.encode(), b"user-42", hashlib.sha256).hexdigest()[:32]
    assert actor == {"objectType": "Agent", "account": {"homePage": lms.issuer, "name": expected}}


def test_names_are_sent_when_turned_on(
    make_app: Callable[..., Flask], lms: PlatformSigner, placement: Placement
) -> None:
    app = make_app(xapi_include_names=True)
    assert launch_placement(app.test_client(), lms, placement).status_code == 200
    (queued,) = outbox(app)
    assert queued["actor"]["name"] == "Ada Learner"


def test_settings_cannot_be_changed_after_start(
    make_app: Callable[..., Flask],
) -> None:
    """Settings refuse pseudonymisation without a secret, and a running app's settings are
    frozen, so no later change can make statements carry raw LMS ids."""
    app = make_app(xapi_pseudonymize=True, xapi_pseudonym_secret=PSEUDONYM_SECRET)
    with pytest.raises(ValidationError):
        app.config["PEERLOOP"].xapi_pseudonym_secret = None
    assert app.config["PEERLOOP"].xapi_options().pseudonymize_secret == PSEUDONYM_SECRET


def test_e_mail_identifies_the_learner_only_when_turned_on(
    make_app: Callable[..., Flask], lms: PlatformSigner, placement: Placement
) -> None:
    account = {"homePage": lms.issuer, "name": "user-42"}
    app = make_app()
    assert (
        launch_placement(app.test_client(), lms, placement, email="ada@example.edu").status_code
        == 200
    )
    assert outbox(app)[-1]["actor"] == {"objectType": "Agent", "account": account}
    app = make_app(xapi_include_email=True)
    assert (
        launch_placement(app.test_client(), lms, placement, email="ada@example.edu").status_code
        == 200
    )
    # one identifier per Agent: mbox replaces the account
    assert outbox(app)[-1]["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.edu"}


def test_statements_carry_the_platforms_resource_link_id_and_our_placement_key(
    make_app: Callable[..., Flask], lms: PlatformSigner, placement: Placement
) -> None:
    app = make_app()
    assert launch_placement(app.test_client(), lms, placement).status_code == 200
    (queued,) = outbox(app)
    extensions = queued["context"]["extensions"]
    assert extensions[LTI_RESOURCE_LINK_ID.iri] == "link-1"  # the launch's resource_link.id
    assert extensions[PLACEMENT_KEY.iri] == placement.key
