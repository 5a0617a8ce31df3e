"""Settings refuse combinations that would be unsafe or silently wrong."""

import pytest
from pydantic import ValidationError

from lti_tool.config import Settings


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
    with pytest.raises(ValidationError, match="PEERLOOP_XAPI_PSEUDONYM_SECRET is empty"):
        Settings(xapi_pseudonymize=True)


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
