"""A link that leads to no activity yet (item 15) and the picker submitted twice (item 18),
through real launches signed by a hand-rolled platform."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from activities.placements import Placement
from tests.functional.sandbox.harness import Forms
from tests.support.platform_signer import DROP, INSTRUCTOR, PlatformSigner

DL_SETTINGS = {
    "deep_link_return_url": "https://lms.example.test/deep-link-return",
    "accept_types": ["ltiResourceLink"],
}
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
#: An open question the prompt coach has nothing to say about: saved at the first submit.
OPEN = "What would you change in your next project, and why?"


def _form(response: TestResponse, form_id: str) -> dict[str, str]:
    found = [f for f in Forms(response.get_data(as_text=True)).forms if f["id"] == form_id]
    assert found, response.get_data(as_text=True)
    return found[0]


def _placements(session: Session) -> list[Placement]:
    session.expire_all()
    return list(session.scalars(select(Placement)))


def test_a_learner_on_a_link_not_set_up_hears_it_is_coming(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    page = lms.launch(client, lti_resource_link={"id": "link-plain", "title": "Reflection"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your instructor has not set up this activity yet" in text
    assert 'role="alert"' not in text
    assert "404" not in text


def test_staff_set_up_a_link_in_place_and_learners_then_open_it(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    link = {"id": "link-plain", "title": "Reflection"}
    page = lms.launch(client, lti_roles=[INSTRUCTOR], lti_resource_link=link)
    assert page.status_code == 200
    assert "Set up this activity" in page.get_data(as_text=True)
    form = _form(page, "picker")
    assert form["action"] == "/activity/setup"
    fields = {**form["fields"], "title": "Week 3", "prompt": OPEN}
    done = client.post(form["action"], data=fields)
    assert done.status_code == 303
    assert "/placements/" in done.headers["Location"]
    assert "lt=" not in done.headers["Location"]
    [placement] = _placements(db_session)
    assert (placement.resource_link_id, placement.context_id) == ("link-plain", "course-7")
    assert OPEN in client.get(done.headers["Location"]).get_data(as_text=True)
    # The same submit again (Back, then submit) makes no second placement.
    assert client.post(form["action"], data=fields).status_code == 303
    assert len(_placements(db_session)) == 1
    # A learner's launch of that link now opens it.
    learner = lms.launch(client, lti_resource_link=link)
    assert OPEN in learner.get_data(as_text=True)


def test_a_link_whose_key_names_no_activity_is_still_a_404(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    page = lms.launch(client, lti_custom={"peerloop_placement": "removed-key"})
    assert page.status_code == 404


def test_the_picker_submitted_twice_places_one_activity(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    picker = lms.launch(
        client,
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=[INSTRUCTOR],
        lti_resource_link=DROP,
        **{DL: DL_SETTINGS},
    )
    form = _form(picker, "picker")
    fields = {**form["fields"], "title": "Week 4", "prompt": OPEN}
    first = client.post(form["action"], data=fields)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert 'id="deep-link-return"' in first.get_data(as_text=True)
    second = client.post(form["action"], data=fields)  # Back, then submit again
    text = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "This activity was already added" in text
    assert len(_placements(db_session)) == 1


def test_the_picker_lets_the_browser_restore_its_fields_after_back(
    client: FlaskClient, lms: PlatformSigner
) -> None:
    """autocomplete=off makes browsers drop a field's value on Back (the title was lost)."""
    picker = lms.launch(
        client,
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=[INSTRUCTOR],
        lti_resource_link=DROP,
        **{DL: DL_SETTINGS},
    )
    assert 'autocomplete="off"' not in picker.get_data(as_text=True)


def test_setting_up_in_place_takes_the_picker_s_fields_and_checks(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    """The same form as the picker: the same fields, the same messages, the same coach."""
    link = {"id": "link-plain", "title": "Reflection"}
    page = lms.launch(client, lti_roles=[INSTRUCTOR], lti_resource_link=link)
    form = _form(page, "picker")
    assert 'name="add_item"' not in page.get_data(as_text=True)  # one activity: the link's
    fields = {**form["fields"], "title": "Week 3", "prompt": OPEN, "min_words": "lots"}
    bad = client.post(form["action"], data=fields)
    assert bad.status_code == 400
    text = Forms(bad.get_data(as_text=True)).text
    assert "Enter a whole number, such as 3." in text
    assert _form(bad, "picker")["fields"]["min_words"] == "lots"  # kept as typed
    closed = {**fields, "min_words": "40", "prompt": "Did you like the video?"}
    warned = client.post(form["action"], data=closed)
    assert warned.status_code == 200
    assert "Save anyway" in warned.get_data(as_text=True)
    assert _placements(db_session) == []
    done = client.post(
        form["action"],
        data={**closed, "anonymity_allowed": "on", "grading": "on", "save_anyway": "1"},
    )
    assert done.status_code == 303
    [placement] = _placements(db_session)
    assert placement.settings["min_words"] == 40
    assert placement.settings["anonymity_allowed"] is True
    assert (placement.grading, placement.score_maximum) == (True, 10.0)


def test_a_platform_that_takes_one_item_gets_one(
    client: FlaskClient, lms: PlatformSigner, db_session: Session
) -> None:
    picker = lms.launch(
        client,
        lti_message_type="LtiDeepLinkingRequest",
        lti_roles=[INSTRUCTOR],
        lti_resource_link=DROP,
        **{DL: DL_SETTINGS | {"accept_multiple": False}},
    )
    assert "Add another activity" not in picker.get_data(as_text=True)
    form = _form(picker, "picker")
    fields = {**form["fields"], "title": "A", "prompt": OPEN, "items": "2", "title-2": "B"}
    fields["prompt-2"] = OPEN
    assert client.post(form["action"], data=fields).status_code == 200
    assert [p.title for p in _placements(db_session)] == ["A"]
