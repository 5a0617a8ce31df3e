"""How the sandbox behaves: as a generic (Moodle-like) LMS, or like another LMS family, so the
tool can be tested against the ways real platforms differ from the plain reading of the
specifications.

Each behaviour is a field whose default is the standard sandbox (``MOODLE``), so a new family
is one more ``SandboxFlavour`` value in ``FLAVOURS`` that sets only the behaviours that LMS is
known for, and the code asks ``config.flavour.<behaviour>`` rather than which LMS it is. A
flavour is chosen with ``peerloop sandbox run --flavour NAME`` (or
``create_sandbox_app(flavour=…)`` in tests).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxFlavour:
    """The behaviours one LMS shows a tool; every field's default is the standard sandbox."""

    name: str
    # -- Canvas ------------------------------------------------------------------------------
    #: ``tool_platform.product_family_code`` and the OpenID configuration's family code.
    product_family_code: str = "peerloop-sandbox"
    #: The issuer (``iss``); None: the URL of the host that signs (shared host, else base).
    issuer: str | None = None
    #: Login, token and keys on a second origin (the other loopback name on the same port),
    #: while course pages, and so the tool's frame, stay on the sandbox's own origin: as
    #: Canvas has sso.canvaslms.com for every school and each school its own domain.
    shared_host: bool = False
    #: Path of the token endpoint on the signing host.
    token_path: str = "/token"  # noqa: S105 — a URL path
    #: ``authorization_server`` in the OpenID configuration as a bare host (Canvas's form).
    bare_authorization_server: bool = False
    #: The ``lti_storage_target`` given to the tool's frame.
    storage_target: str = "_parent"
    #: Whether the launch page holds the named storage frame (Canvas's rich content editor
    #: does not: the tool then posts to the parent page with target origin '*').
    storage_frame: bool = True
    #: Whether the launch page answers ``lti.capabilities`` (where the tool should post).
    capabilities: bool = True
    #: The largest NRPS page the platform sends, whatever limit the tool asks for.
    nrps_page_size: int | None = None
    #: Status answered to a new line item bound to a link that has none (Canvas: 412).
    link_lineitem_refusal: int | None = None
    #: Dynamic registration placements as Canvas reads them: a message without placements
    #: gets ``link_selection``, and only the first message per placement is kept.
    canvas_placement_rules: bool = False
    # -- Chamilo 1.11 ------------------------------------------------------------------------
    #: The OIDC login initiation names ``client_id`` and ``lti_deployment_id`` (both optional
    #: in LTI 1.3; Chamilo sends neither).
    login_names_client: bool = True
    #: Deployment ids differ per course and between deep linking ("1") and launches ("2")
    #: (Chamilo uses its tool ids). Off: one deployment for everything.
    deployment_per_course: bool = False
    #: A deep-link item's ``custom`` values are kept with the link (Chamilo drops them).
    keeps_item_custom: bool = True
    #: Custom parameter names are lower-cased at launch (Chamilo does).
    lowercases_custom_keys: bool = False
    #: A resource-link launch form posts the id_token to the link's own URL (its
    #: ``target_link_uri``) instead of the tool's registered redirect URI (Chamilo does).
    posts_to_link_url: bool = False
    #: The tool's deep-linking responses are checked against a public key the administrator
    #: pasted (PEM, on the sandbox's tool-key page) instead of the tool's JWKS URL.
    tool_key_pasted: bool = False
    #: AGS requests must ``Accept`` exactly the media type of the resource (the score, line
    #: item or line-item container type), else 415 (Chamilo compares the header verbatim).
    strict_accept: bool = False
    #: A filtered line-item list (``?resource_id=``, ``resource_link_id``, ``tag``) fails with
    #: an HTML error page and status 200, as a PHP fatal error does.
    filtered_lineitems_break: bool = False


MOODLE = SandboxFlavour(name="moodle")

CANVAS = SandboxFlavour(
    name="canvas",
    product_family_code="canvas",
    issuer="https://canvas.instructure.com",
    shared_host=True,
    token_path="/login/oauth2/token",  # noqa: S106 — a URL path
    bare_authorization_server=True,
    storage_target="post_message_forwarding",
    nrps_page_size=50,
    link_lineitem_refusal=412,
    canvas_placement_rules=True,
)

CHAMILO = SandboxFlavour(
    name="chamilo",
    login_names_client=False,
    deployment_per_course=True,
    keeps_item_custom=False,
    lowercases_custom_keys=True,
    posts_to_link_url=True,
    tool_key_pasted=True,
    strict_accept=True,
    filtered_lineitems_break=True,
)

#: Every flavour by name (the ``--flavour`` choices).
FLAVOURS: dict[str, SandboxFlavour] = {
    flavour.name: flavour for flavour in (MOODLE, CANVAS, CHAMILO)
}


def other_loopback_url(url: str) -> str:
    """``url`` on the other loopback name (127.0.0.1 ↔ localhost), same port: a second
    origin served by the same sandbox."""
    scheme, rest = url.split("://", 1)
    host, sep, tail = rest.partition(":")
    other = "localhost" if host == "127.0.0.1" else "127.0.0.1"
    return f"{scheme}://{other}{sep}{tail}"
