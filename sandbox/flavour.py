"""How the sandbox behaves: as a generic (Moodle-like) LMS, or like another LMS family.

Each behaviour is a field, so a new family is one more ``SandboxFlavour`` value in
``FLAVOURS`` and the code asks ``config.flavour.<behaviour>`` rather than which LMS it is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxFlavour:
    name: str
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

FLAVOURS = {flavour.name: flavour for flavour in (MOODLE, CANVAS)}


def other_loopback_url(url: str) -> str:
    """``url`` on the other loopback name (127.0.0.1 ↔ localhost), same port: a second
    origin served by the same sandbox."""
    scheme, rest = url.split("://", 1)
    host, sep, tail = rest.partition(":")
    other = "localhost" if host == "127.0.0.1" else "127.0.0.1"
    return f"{scheme}://{other}{sep}{tail}"
