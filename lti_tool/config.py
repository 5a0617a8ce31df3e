"""Settings, read from PEERLOOP_* environment variables (and a .env file if present).

Every setting is listed with its default and meaning in the README's configuration table.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lrs_client.versions import DEFAULT_VERSION, XapiVersion
from xapi.inputs import XapiOptions

# A placeholder, refused in production by _safe_combinations below.
DEV_SECRET = "dev-only-change-me"  # noqa: S105

# Settings whose values are never shown: not in repr, not in validation errors (a database or
# Redis URL may carry a password too).
SECRET_FIELDS = frozenset(
    {"secret_key", "lrs_password", "xapi_pseudonym_secret", "database_url", "redis_url"}
)


class Settings(BaseSettings):
    """One installation's configuration. ``create_app(settings)`` takes an instance."""

    # Frozen: what a process validated at start is what it runs with (no check can be undone
    # by a later assignment).
    # hide_input_in_errors: pydantic would otherwise echo every input value (secrets included)
    # in a ValidationError's text, wherever it ends up (a traceback, a log line).
    model_config = SettingsConfigDict(
        env_prefix="PEERLOOP_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    env: Literal["development", "production", "test"] = "development"
    base_url: str = Field(
        "http://127.0.0.1:5000",
        description="Public URL of the tool as LMSs reach it (scheme, host, optional port).",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Signs launch tokens and session cookies. Must be set in production.",
        repr=False,
    )
    database_url: str = Field("sqlite:///instance/peerloop.sqlite", repr=False)
    redis_url: str | None = Field(
        None, description="If set, launch state lives in Redis instead of the database.", repr=False
    )
    redis_key_prefix: str = Field(
        "peerloop:lti:",
        min_length=1,
        description="Starts every Redis key Peerloop writes (several tools can share a Redis).",
    )
    clock_leeway_seconds: int = Field(5, ge=0, le=300)
    launch_token_ttl_seconds: int = Field(8 * 3600, ge=60)
    launch_state_ttl_seconds: int = Field(600, ge=30)
    deployment_policy: Literal["record", "reject"] = Field(
        "record",
        description="Unknown deployment of a known platform: record it on first launch, or refuse.",
    )
    key_grace_days: int = Field(
        7, ge=0, description="How long a rotated-out key stays published in the JWKS."
    )
    http_timeout_seconds: float = Field(10.0, gt=0)
    roster_max_age_minutes: int = Field(
        5,
        ge=0,
        le=24 * 60,
        description="A staff page fetches the course roster (NRPS) again when it is older.",
    )
    proxy_fix_hops: int = Field(
        0, ge=0, description="Number of TLS-terminating proxies in front of the tool."
    )
    log_level: str = "INFO"

    # xAPI / LRS
    lrs_url: str | None = Field(None, description="Default LRS endpoint (…/xAPI/).")
    lrs_username: str | None = None
    lrs_password: str | None = Field(None, repr=False)
    lrs_version: XapiVersion = DEFAULT_VERSION
    lrs_worker_thread: bool = Field(
        True, description="Run the LRS dispatcher as a thread of the web process (development)."
    )
    grades_worker_thread: bool = Field(
        True, description="Send queued LMS scores from a thread of the web process (development)."
    )
    xapi_pseudonymize: bool = False
    xapi_pseudonym_secret: str | None = Field(None, repr=False)
    xapi_include_names: bool = False
    xapi_include_email: bool = False
    xapi_include_text: bool = True

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("lrs_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None  # PEERLOOP_LRS_URL= (empty) means no LRS, as unset does
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL, such as https://lrs.example.edu/xAPI/")
        return value

    @model_validator(mode="after")
    def _safe_combinations(self) -> Settings:
        weak_secret = self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        if self.env == "production" and weak_secret:
            raise ValueError(
                "PEERLOOP_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.xapi_pseudonymize and self.xapi_include_email:
            raise ValueError(
                "PEERLOOP_XAPI_INCLUDE_EMAIL cannot be combined with PEERLOOP_XAPI_PSEUDONYMIZE: "
                "an e-mail address would identify the learner the pseudonym hides"
            )
        try:
            self.xapi_options()
        except ValueError as exc:
            raise ValueError(f"PEERLOOP_XAPI_* settings: {exc}") from exc
        return self

    def xapi_options(self) -> XapiOptions:
        """What statements may reveal, from the PEERLOOP_XAPI_* settings. XapiOptions holds the
        rules (e.g. a pseudonymisation secret must not be empty), so they live in one place."""
        secret = (self.xapi_pseudonym_secret or "") if self.xapi_pseudonymize else None
        return XapiOptions(
            pseudonymize_secret=secret,
            include_names=self.xapi_include_names,
            include_email=self.xapi_include_email,
            include_text=self.xapi_include_text,
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def describe_settings_error(error: ValidationError) -> str:
    """One line naming each bad setting (its environment variable) and what is wrong with it,
    never its value: pydantic's own text quotes the input, which may be a secret."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in item["loc"])
        problems.append(f"PEERLOOP_{field.upper()}: {message}" if field else message)
    return "Invalid settings: " + "; ".join(problems)
