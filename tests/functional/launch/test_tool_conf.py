"""pylti1p3's tool configuration read from our tables (for AGS, NRPS and deep linking)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.lti.tool_conf import DbToolConf
from lti_tool.models import ToolKey
from tests.support.platform_signer import PlatformSigner


def test_registration_comes_from_the_platform_row_with_our_key(
    lms: PlatformSigner, db_session: Session
) -> None:
    conf = DbToolConf(db_session)
    registration = conf.find_registration_by_params(lms.issuer, lms.client_id)
    assert registration is not None
    assert registration.get_issuer() == lms.issuer
    assert registration.get_client_id() == lms.client_id
    assert registration.get_key_set_url() == lms.key_set_url
    assert registration.get_auth_login_url() == lms.auth_login_url
    key = db_session.query(ToolKey).one()  # created on first use by lti.keys
    assert registration.get_kid() == key.kid
    assert registration.get_tool_private_key() == key.private_pem
    assert conf.check_iss_has_many_clients(lms.issuer)


def test_unknown_registration_and_deployment_are_none(
    lms: PlatformSigner, db_session: Session
) -> None:
    conf = DbToolConf(db_session)
    assert conf.find_registration_by_params(lms.issuer, "other-client") is None
    assert conf.find_registration_by_params("https://nobody.example.test", lms.client_id) is None
    found = conf.find_deployment_by_params(lms.issuer, lms.deployment_id, lms.client_id)
    assert found is not None and found.get_deployment_id() == lms.deployment_id
    assert conf.find_deployment_by_params(lms.issuer, "nope", lms.client_id) is None
