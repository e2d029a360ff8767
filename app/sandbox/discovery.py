"""OIDC discovery document and JWKS, at the paths Xero's identity service publishes them."""

from __future__ import annotations

from app.sandbox import scopes
from app.sandbox.state import SandboxState
from app.sandbox.tokens import ALLOWED_GRANTS
from app.sandbox.web import Request, Response, json_response, not_found

DISCOVERY = "/.well-known/openid-configuration"
JWKS = DISCOVERY + "/jwks"
SCOPES = scopes.IDENTITY | scopes.SHARED | scopes.BROAD_ONLY | scopes.GRANULAR_ONLY
CLAIMS = (
    "sub",
    "xero_userid",
    "email",
    "given_name",
    "family_name",
    "preferred_username",
    "global_session_id",
    "auth_time",
    "authentication_event_id",
)


def document(base: str) -> dict[str, object]:
    """Only what the sandbox serves: S256 is its one PKCE method, tokens are RS256."""
    return {
        "issuer": base,
        "jwks_uri": base + JWKS,
        "authorization_endpoint": base + "/identity/connect/authorize",
        "token_endpoint": base + "/connect/token",
        "revocation_endpoint": base + "/connect/revocation",
        "scopes_supported": sorted(SCOPES),
        "claims_supported": list(CLAIMS),
        "grant_types_supported": list(ALLOWED_GRANTS),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }


def handle(state: SandboxState, req: Request) -> Response:
    if req.method != "GET":
        return not_found()
    if req.path == DISCOVERY:
        return json_response(document(state.base_url))
    if req.path == JWKS:
        return json_response({"keys": [state.signing_key.jwk()]})
    return not_found()
