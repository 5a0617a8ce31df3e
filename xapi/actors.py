"""Actors: LTI users as xAPI Agents, cohorts as identified Groups."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from tincan import Agent, AgentAccount, Group

from xapi.inputs import Cohort, Where, Who, XapiOptions
from xapi.serialize import TINCAN_FORMAT


def account_name(who: Who, options: XapiOptions) -> str:
    """The account name sent for ``who``: the LTI sub, or its keyed hash when pseudonymising.

    HMAC (not a plain hash) so nobody without the installation's secret can link a pseudonym
    back to an LMS user by hashing candidate subs.
    """
    if options.pseudonymize_secret is None:
        return who.sub
    return hmac.new(
        options.pseudonymize_secret.encode(), who.sub.encode(), hashlib.sha256
    ).hexdigest()


def agent(who: Who, options: XapiOptions) -> Agent:
    """An Agent identified by account (homePage = LTI issuer, name = sub or pseudonym)."""
    if not who.issuer or not who.sub:
        raise ValueError("an actor needs the LTI issuer and sub")
    pseudonymous = options.pseudonymize_secret is not None
    name = who.name if options.include_names and not pseudonymous and who.name else None
    if options.include_email and not pseudonymous and who.email:
        # An Agent has exactly one identifier: e-mail replaces the account when turned on.
        return Agent(name=name, mbox=who.email)
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
