"""LTI 1.3 plumbing, held by us and free of Flask: launch validation, OIDC, keys and JWKS,
registrations, deep linking, AGS, NRPS, and every LTI name once (``claims``)."""
