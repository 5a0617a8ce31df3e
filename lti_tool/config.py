"""Settings, read from PEERLOOP_* environment variables (and a .env file if present).

Every setting is listed with its default and meaning in the README's configuration table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A placeholder, refused in production by _safe_combinations below.
DEV_SECRET = "dev-only-change-me"  # noqa: S105


class Settings(BaseSettings):
    """One installation's configuration. ``create_app(settings)`` takes an instance."""

    model_config = SettingsConfigDict(env_prefix="PEERLOOP_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    base_url: str = Field(
        "http://127.0.0.1:5000",
        description="Public URL of the tool as LMSs reach it (scheme, host, optional port).",
    )
    secret_key: str = Field(
        DEV_SECRET,
        description="Signs launch tokens and session cookies. Must be set in production.",
    )
    database_url: str = "sqlite:///instance/peerloop.sqlite"
    redis_url: str | None = Field(
        None, description="If set, launch state lives in Redis instead of the database."
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
    proxy_fix_hops: int = Field(
        0, ge=0, description="Number of TLS-terminating proxies in front of the tool."
    )
    log_level: str = "INFO"

    # xAPI / LRS
    lrs_url: str | None = Field(None, description="Default LRS endpoint (…/xAPI/).")
    lrs_username: str | None = None
    lrs_password: str | None = None
    lrs_version: Literal["1.0.3", "2.0.0"] = "1.0.3"
    lrs_worker_thread: bool = Field(
        True, description="Run the LRS dispatcher as a thread of the web process (development)."
    )
    xapi_pseudonymize: bool = False
    xapi_pseudonym_secret: str | None = None
    xapi_include_names: bool = False
    xapi_include_text: bool = True

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _safe_combinations(self) -> Settings:
        weak_secret = self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        if self.env == "production" and weak_secret:
            raise ValueError(
                "PEERLOOP_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.xapi_pseudonymize and not self.xapi_pseudonym_secret:
            raise ValueError(
                "PEERLOOP_XAPI_PSEUDONYMIZE is on but PEERLOOP_XAPI_PSEUDONYM_SECRET is empty: "
                "set a secret (keep it: changing it changes every learner's pseudonym)"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"
