"""Settings refuse combinations that would be unsafe or silently wrong."""

import pytest
from pydantic import ValidationError

from lrs_client.versions import DEFAULT_VERSION, VERSIONS
from lti_tool.config import SECRET_FIELDS, Settings, describe_settings_error
from xapi.inputs import XapiOptions


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="PEERLOOP_SECRET_KEY must be set"):
        Settings(env="production")


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(env="production", secret_key="short")


def test_production_accepts_a_long_random_secret() -> None:
    settings = Settings(env="production", secret_key="x" * 40)
    assert settings.is_production


def test_pseudonymisation_needs_its_secret() -> None:
    for secret in (None, ""):
        with pytest.raises(ValidationError, match=r"secret \(PEERLOOP_XAPI_PSEUDONYM_SECRET"):
            Settings(xapi_pseudonymize=True, xapi_pseudonym_secret=secret)


def test_e_mail_cannot_go_with_pseudonyms() -> None:
    with pytest.raises(ValidationError, match="INCLUDE_EMAIL cannot be combined"):
        Settings(xapi_pseudonymize=True, xapi_pseudonym_secret="s", xapi_include_email=True)


def test_xapi_options_follow_the_settings() -> None:
    assert Settings().xapi_options() == XapiOptions()
    options = Settings(
        xapi_pseudonymize=True, xapi_pseudonym_secret="s", xapi_include_text=False
    ).xapi_options()
    assert options == XapiOptions(pseudonymize_secret="s", include_text=False)
    # a secret left in the environment does nothing while pseudonymising is off
    assert Settings(xapi_pseudonym_secret="s").xapi_options().pseudonymize_secret is None
    assert Settings(xapi_include_email=True).xapi_options().include_email


def test_lrs_version_is_one_of_the_versions_lrs_client_speaks() -> None:
    assert Settings().lrs_version == DEFAULT_VERSION
    for version in VERSIONS:
        assert Settings(lrs_version=version).lrs_version == version
    with pytest.raises(ValidationError, match="lrs_version"):
        Settings(lrs_version="3.0")


def test_base_url_loses_its_trailing_slash() -> None:
    assert Settings(base_url="https://peerloop.example.edu/").base_url == (
        "https://peerloop.example.edu"
    )


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLOOP_CLOCK_LEEWAY_SECONDS", "12")
    assert Settings().clock_leeway_seconds == 12


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERLOOP_DEPLOYMENT_POLICY", "sometimes")
    with pytest.raises(ValidationError, match="deployment_policy"):
        Settings()


def test_the_lrs_url_must_be_an_http_url() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(lrs_url="not-a-url")
    assert describe_settings_error(caught.value) == (
        "Invalid settings: PEERLOOP_LRS_URL: must be an http(s) URL, "
        "such as https://lrs.example.edu/xAPI/"
    )
    assert Settings(lrs_url="").lrs_url is None
    assert Settings(lrs_url="https://lrs.example.edu/xAPI/").lrs_url


def test_secret_values_are_never_shown() -> None:
    secrets = {"lrs_password": "lrs-pw-1", "xapi_pseudonym_secret": "pseudo-2"}
    assert not any(value in repr(Settings(**secrets)) for value in secrets.values())
    with pytest.raises(ValidationError) as caught:
        Settings(env="production", secret_key="short-3", **secrets)
    shown = str(caught.value) + describe_settings_error(caught.value)
    assert not any(value in shown for value in [*secrets.values(), "short-3"])


def test_every_secret_field_is_left_out_of_repr() -> None:
    assert SECRET_FIELDS.issubset(Settings.model_fields)
    assert all(Settings.model_fields[name].repr is False for name in SECRET_FIELDS)
