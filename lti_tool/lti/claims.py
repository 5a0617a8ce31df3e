"""Every LTI 1.3 name Peerloop uses, once: claim prefixes, message types, service scopes.

Values are the IMS specifications' (LTI Core 1.3, Deep Linking 2.0, AGS 2.0, NRPS 2.0,
Dynamic Registration 1.0)."""

from __future__ import annotations

#: Prefix of LTI Core claims (``…/claim/message_type``, ``…/claim/context``…).
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
#: Prefix of Deep Linking claims (``…/claim/deep_linking_settings``, ``…/claim/content_items``).
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
#: Dynamic Registration: our configuration in the registration request, and the platform's.
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"
#: The launch messages Peerloop accepts.
LAUNCH_MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
#: Every service scope Peerloop asks for at registration.
SERVICE_SCOPES = (
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCOPE_NRPS,
)

#: Our key in a deep-link item's ``custom``: which placement the new link opens.
PLACEMENT_PARAM = "peerloop_placement"
