"""The Canvas developer-key JSON at /lti/canvas.json."""

from __future__ import annotations

from flask.testing import FlaskClient

BASE = "http://127.0.0.1:5000"  # the client fixture's base_url


def test_canvas_json_points_canvas_at_our_urls_with_deep_linking_placements(
    client: FlaskClient,
) -> None:
    response = client.get("/lti/canvas.json")
    assert response.status_code == 200
    config = response.get_json()
    assert config["title"] == "Peerloop"
    assert config["description"]
    assert config["oidc_initiation_url"] == f"{BASE}/lti/login"
    assert config["target_link_uri"] == f"{BASE}/lti/launch"
    assert config["public_jwk_url"] == f"{BASE}/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in config["scopes"]
    assert (
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
        in config["scopes"]
    )
    assert "custom_fields" not in config
    (extension,) = config["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "public"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"link_selection", "assignment_selection"}
    for placement in placements.values():
        assert placement["message_type"] == "LtiDeepLinkingRequest"
        assert placement["target_link_uri"] == f"{BASE}/lti/launch"
