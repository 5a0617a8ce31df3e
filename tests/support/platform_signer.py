"""A hand-rolled LTI 1.3 platform for negative launch tests.

It publishes a JWKS on a loopback port (``tests.support.live.serve``), signs id_tokens with any
claims, headers and algorithm (including the forged ones a real platform never sends), and
drives login → launch through the Flask test client. Keys are generated at run time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lti_tool.models import Deployment, Platform
from tests.support.live import serve

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
#: Marks a claim to leave out of the id_token.
DROP = object()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key())
        )
        data.update(kid=self.kid, alg="RS256", use="sig")
        return data


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class JwksHost:
    """One loopback server publishing the JWKS of any number of platforms, each at its own
    path (one server per test session: stopping a server takes half a second)."""

    def __init__(self) -> None:
        self.platforms: dict[str, PlatformSigner] = {}
        self.url = ""

    @contextmanager
    def serving(self) -> Iterator[JwksHost]:
        with serve(self._wsgi) as server:
            self.url = server.url
            yield self

    def add(self, platform: PlatformSigner) -> str:
        path = f"/jwks/{uuid.uuid4().hex}"
        self.platforms[path] = platform
        return self.url + path

    def remove(self, platform: PlatformSigner) -> None:
        for path, known in list(self.platforms.items()):
            if known is platform:
                del self.platforms[path]

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        platform = self.platforms.get(environ.get("PATH_INFO", ""))
        if platform is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such key set"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(platform.jwks()).encode()]


@dataclass
class PlatformSigner:
    """One LMS registration: issuer, client id, deployment, keys and a served JWKS."""

    keys: list[SigningKey]
    base_url: str = "http://127.0.0.1:5000"
    issuer: str = "https://lms.example.test"
    client_id: str = "peerloop-client-1"
    deployment_id: str = "deployment-1"
    auth_login_url: str = "https://lms.example.test/mod/lti/auth.php"
    key_set_url: str = ""
    jwks_requests: int = 0
    published: list[SigningKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.published = list(self.keys)
        self.signing = self.keys[0]

    # -- the platform's JWKS endpoint ------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        self.jwks_requests += 1
        return {"keys": [k.public_jwk for k in self.published]}

    @contextmanager
    def serving(self, host: JwksHost | None = None) -> Iterator[PlatformSigner]:
        """Publish the JWKS: on ``host`` (shared, fast) or on a server of its own."""
        if host is not None:
            self.key_set_url = host.add(self)
            try:
                yield self
            finally:
                host.remove(self)
            return
        own = JwksHost()
        with own.serving(), self.serving(own):
            yield self

    def rotate(self, new_key: SigningKey) -> None:
        """The platform replaces its key: signs with ``new_key`` and publishes only it."""
        self.published = [new_key]
        self.signing = new_key

    # -- registration in the tool's database -------------------------------------------------
    def register(self, session: Session, *, with_deployment: bool = True) -> Platform:
        platform = Platform(
            issuer=self.issuer,
            client_id=self.client_id,
            auth_login_url=self.auth_login_url,
            auth_token_url=f"{self.issuer}/token",
            key_set_url=self.key_set_url,
            name="Hand-signed test LMS",
            source="cli",
        )
        session.add(platform)
        session.flush()
        if with_deployment:
            session.add(Deployment(platform_id=platform.id, deployment_id=self.deployment_id))
        session.commit()
        return platform

    # -- id_tokens --------------------------------------------------------------------------
    def claims(self, nonce: str, **overrides: Any) -> dict[str, Any]:
        """A valid resource-link launch for ``nonce``; ``overrides`` replace claims (full claim
        URIs via ``lti_<name>`` keys, e.g. ``lti_roles``); the value DROP removes one."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "user-42",
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": "Ada Learner",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": f"{self.base_url}/lti/launch",
            CLAIM + "resource_link": {"id": "link-1", "title": "Week 1 reflection"},
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {"id": "course-7", "title": "Biology 101"},
        }
        for name, value in overrides.items():
            key = CLAIM + name[4:] if name.startswith("lti_") else name
            if value is DROP:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def sign(
        self,
        claims: dict[str, Any],
        *,
        key: SigningKey | None = None,
        kid: str | None = None,
        alg: str = "RS256",
    ) -> str:
        key = key or self.signing
        # PyJWS, not jwt.encode: negative tests sign claims jwt.encode would refuse to write.
        return jwt.api_jws.PyJWS().encode(
            json.dumps(claims).encode(),
            key.private_key,
            algorithm=alg,
            headers={"kid": kid or key.kid},
        )

    def sign_unsigned(self, claims: dict[str, Any]) -> str:
        """``alg: none``: a token anyone can forge."""
        header = {"alg": "none", "typ": "JWT", "kid": self.signing.kid}
        return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."

    def sign_hs256_with_public_key(self, claims: dict[str, Any]) -> str:
        """HS256 keyed by the platform's *public* PEM: the classic algorithm-confusion forgery.
        Built by hand because PyJWT rightly refuses to do it."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.signing.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        mac = hmac.new(self.signing.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"

    # -- the browser's side -------------------------------------------------------------------
    def login(self, client: FlaskClient, **params: str) -> tuple[TestResponse, str, str]:
        """GET /lti/login; returns the response and the state and nonce sent to the LMS."""
        query = {
            "iss": self.issuer,
            "client_id": self.client_id,
            "login_hint": "user-42",
            "lti_message_hint": "hint-1",
            "target_link_uri": f"{self.base_url}/lti/launch",
        }
        query.update(params)
        response = client.get("/lti/login", query_string=query)
        location = response.headers.get("Location", "")
        sent = parse_qs(urlsplit(location).query)
        return response, sent.get("state", [""])[0], sent.get("nonce", [""])[0]

    @staticmethod
    def drop_state_cookies(client: FlaskClient, state: str) -> None:
        """What a browser blocking third-party cookies does: the launch carries none."""
        for name in ("lti_state_", "lti_state_legacy_"):
            client.delete_cookie(name + state, path="/lti/")

    def launch(
        self,
        client: FlaskClient,
        *,
        token: str | None = None,
        follow: bool = True,
        **overrides: Any,
    ) -> TestResponse:
        """Log in, then POST a launch whose claims take ``overrides`` (or exactly ``token``).
        A launch that succeeds redirects to its page: followed, unless ``follow`` is False
        (the POST's own answer is then in ``history[0]`` of a followed response)."""
        _, state, nonce = self.login(client)
        token = token or self.sign(self.claims(nonce, **overrides))
        return client.post(
            "/lti/launch", data={"id_token": token, "state": state}, follow_redirects=follow
        )
