"""How the sandbox behaves: a profile of LMS behaviours, so the tool can be tested against the
ways real platforms differ from the plain reading of the specifications.

``standard`` is the sandbox as it always was (Moodle-like); each other profile names the LMS it
imitates and sets only the behaviours that LMS is known for. A profile is chosen with
``peerloop sandbox run --profile NAME`` (or ``create_sandbox_app(profile=…)`` in tests).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """The behaviours one LMS shows a tool; every field's default is the standard sandbox."""

    name: str
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


STANDARD = Profile("standard")

CHAMILO = Profile(
    "chamilo",
    login_names_client=False,
    deployment_per_course=True,
    keeps_item_custom=False,
    lowercases_custom_keys=True,
    posts_to_link_url=True,
    tool_key_pasted=True,
    strict_accept=True,
    filtered_lineitems_break=True,
)

#: Every profile by name (``--profile`` choices).
PROFILES: dict[str, Profile] = {profile.name: profile for profile in (STANDARD, CHAMILO)}


def profile_named(name: str | Profile) -> Profile:
    """The profile ``name`` (a Profile is returned as is); ValueError for an unknown name."""
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown sandbox profile {name!r}; choose one of {', '.join(PROFILES)}"
        ) from None
