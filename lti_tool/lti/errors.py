"""Why a launch was refused, in words an LMS administrator can act on.

Every launch failure is a ``LaunchError``: the error handler renders it as a 4xx error page and
logs one structured line with its ``code``. Subclasses only group the failures by who can fix
them (the LMS's registration, the message, the browser); the message says what exactly failed.
"""

from __future__ import annotations

from lti_tool.errors import N_, UserFacingError


class LaunchError(UserFacingError):
    """A launch refused; ``code`` names the case (``unknown_issuer``, ``expired``…)."""

    status = 400
    title = N_("This activity could not be opened")


class RegistrationMismatchError(LaunchError):
    """The LMS or its deployment is not (or not fully) registered with Peerloop."""

    status = 403
    title = N_("This LMS is not set up to open Peerloop")


class InvalidLaunchMessageError(LaunchError):
    """The signed launch message (id_token) is malformed, forged, expired or incomplete."""

    status = 401
    title = N_("The LMS's launch message was not accepted")


class LaunchStateError(LaunchError):
    """The launch does not belong to a login started in this browser (state, nonce, cookie)."""

    status = 401
    title = N_("This launch could not be matched to your browser")


class PlatformUnreachableError(LaunchError):
    """The LMS's public keys could not be fetched, so its signature cannot be checked."""

    status = 424
    title = N_("The LMS's public keys could not be read")
