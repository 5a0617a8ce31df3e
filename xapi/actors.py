"""Actors: LTI users as xAPI Agents, cohorts as identified Groups."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from tincan import Agent, AgentAccount, Group

from xapi.inputs import Cohort, Where, Who, XapiOptions
from xapi.serialize import TINCAN_FORMAT

# 128 bits of HMAC-SHA256, as 32 hex characters: collision-free for any real population and
# short enough for LRSs whose account.name column holds 50 characters (a real one does).
PSEUDONYM_BYTES = 16
# What an LRS accepts as mailto: an address with one @ and no spaces; anything else (an LMS
# that sends "" or a login name) would have the statement refused, so the account is used.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def account_name(who: Who, options: XapiOptions) -> str:
    """The account name sent for ``who``: the LTI sub, or its keyed hash when pseudonymising.

    HMAC (not a plain hash) so nobody without the installation's secret can link a pseudonym
    back to an LMS user by hashing candidate subs. The pseudonym is the first 32 hex digits
    of the full HMAC-SHA256, so one sent before (all 64) maps to today's by truncation.
    """
    if options.pseudonymize_secret is None:
        return who.sub
    digest = hmac.new(options.pseudonymize_secret.encode(), who.sub.encode(), hashlib.sha256)
    return digest.digest()[:PSEUDONYM_BYTES].hex()


def mbox_email(who: Who, options: XapiOptions) -> str | None:
    """The e-mail that identifies ``who`` instead of the account, or None for the account.

    An Agent carries exactly one inverse functional identifier (xAPI 1.0.3 §2.4.2.1), so an
    e-mail can only replace the account, never sit beside it; never when pseudonymising.
    """
    if not options.include_email or options.pseudonymize_secret is not None:
        return None
    email = (who.email or "").strip()
    return email if _EMAIL.match(email) else None


def agent(who: Who, options: XapiOptions) -> Agent:
    """An Agent identified by account (homePage = LTI issuer, name = sub or pseudonym), or by
    mbox when e-mail is switched on and the launch gave a usable address."""
    if not who.issuer or not who.sub:
        raise ValueError("an actor needs the LTI issuer and sub")
    pseudonymous = options.pseudonymize_secret is not None
    name = who.name if options.include_names and not pseudonymous and who.name else None
    email = mbox_email(who, options)
    if email is not None:
        return Agent(name=name, mbox=email)
    return Agent(
        name=name,
        account=AgentAccount(home_page=who.issuer, name=account_name(who, options)),
    )


def agent_json(who: Who, options: XapiOptions) -> dict[str, Any]:
    """The Agent as JSON, for extensions that hold a person (mentioned, post author)."""
    value: dict[str, Any] = agent(who, options).as_version(TINCAN_FORMAT)
    return value


def cohort_group(cohort: Cohort, where: Where) -> Group:
    """The cohort as an identified Group: its account lives on our tool."""
    return Group(
        name=cohort.name or None,
        account=AgentAccount(home_page=where.tool_url.rstrip("/"), name=str(cohort.id)),
    )
