"""LTI 1.3: the only package that talks to pylti1p3 (login, launch, registrations, keys)."""
