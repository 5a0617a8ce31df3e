"""Statement Template checks of the xAPI Profiles spec (1.0, Part Two §8 and Part Three §2.1),
small enough to read: which templates a statement matches (its Determining Properties) and
which of a template's rules it breaks.

Ours because PyPI has no maintained xAPI Profile validator (Yet Analytics' pan and persephone
are Clojure), and a general JSONPath library does not implement the spec's dialect: its ``|``
joins whole expressions and flattens their results, filters and scripts are forbidden. Only
what the spec allows is parsed here: ``$``, ``.name``, ``.*``, ``['a']`` / ``['a','b']``,
``[0]`` / ``[0,1]``, ``[*]`` and ``|``; anything else raises, so a template that uses more
cannot pass by accident. ``selector`` is not supported (our templates use none) and raises.
"""

from __future__ import annotations

import re
from typing import Any

Step = tuple[str | int, ...] | None  # the keys or indexes of one step; None = every child

_NAME = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)")
_BRACKET = re.compile(r"\[([^\]]*)\]")
_QUOTED = re.compile(r"'([^']*)'")


def _split_pipes(location: str) -> list[str]:
    """``a | b`` into its expressions; a ``|`` inside quotes (an IRI) does not split."""
    parts, current, quoted = [], "", False
    for char in location:
        if char == "'":
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _bracket_step(inside: str) -> Step:
    inside = inside.strip()
    if inside == "*":
        return None
    members: list[str | int] = []
    for member in (m.strip() for m in inside.split(",")):
        quoted = _QUOTED.fullmatch(member)
        if quoted:
            members.append(quoted.group(1))
        elif member.isdigit():
            members.append(int(member))
        else:
            raise ValueError(f"not a JSONPath member the xAPI Profiles spec allows: [{inside}]")
    return tuple(members)


def parse(expression: str) -> list[Step]:
    """One JSONPath expression (no ``|``) as its steps."""
    if not expression.startswith("$"):
        raise ValueError(f"a location starts with $: {expression!r}")
    steps: list[Step] = []
    rest = expression[1:]
    while rest:
        if rest.startswith(".*"):
            steps.append(None)
            rest = rest[2:]
            continue
        name = _NAME.match(rest)
        if name:
            steps.append((name.group(1),))
            rest = rest[name.end() :]
            continue
        bracket = _BRACKET.match(rest)
        if bracket:
            steps.append(_bracket_step(bracket.group(1)))
            rest = rest[bracket.end() :]
            continue
        raise ValueError(f"cannot read JSONPath {expression!r} at {rest!r}")
    return steps


def _children(value: Any, step: Step) -> list[Any]:
    if step is None:
        if isinstance(value, dict):
            return list(value.values())
        return list(value) if isinstance(value, list) else []
    found = []
    for key in step:
        if (isinstance(key, str) and isinstance(value, dict) and key in value) or (
            isinstance(key, int) and isinstance(value, list) and key < len(value)
        ):
            found.append(value[key])
    return found


def locate(statement: dict[str, Any], location: str) -> list[Any]:
    """Every value ``location`` finds in ``statement`` (the rule's matchable values)."""
    values: list[Any] = []
    for expression in _split_pipes(location):
        current = [statement]
        for step in parse(expression):
            current = [child for value in current for child in _children(value, step)]
        values.extend(current)
    return values


def rule_errors(statement: dict[str, Any], rule: dict[str, Any]) -> list[str]:
    """How ``statement`` breaks ``rule`` (Part Two §8.1), as readable messages."""
    if "selector" in rule:
        raise NotImplementedError("selector is not supported by this evaluator")
    if not {"presence", "any", "all", "none"} & set(rule):
        raise ValueError(f"a rule needs presence, any, all or none: {rule}")
    where = rule["location"]
    values = locate(statement, where)
    presence = rule.get("presence")
    errors = []
    if presence == "included" and not values:
        errors.append(f"{where}: included, but missing")
    if presence == "excluded" and values:
        errors.append(f"{where}: excluded, but present ({values!r})")
    if presence in (None, "included") or (presence == "recommended" and values):
        if "any" in rule and not any(value in rule["any"] for value in values):
            errors.append(f"{where}: none of {values!r} is in any={rule['any']!r}")
        if "all" in rule:
            outside = [value for value in values if value not in rule["all"]]
            if outside:
                errors.append(f"{where}: {outside!r} not in all={rule['all']!r}")
        if "none" in rule:
            banned = [value for value in values if value in rule["none"]]
            if banned:
                errors.append(f"{where}: {banned!r} is in none={rule['none']!r}")
    return errors


_CONTEXT_TYPES = {
    "contextGroupingActivityType": "grouping",
    "contextParentActivityType": "parent",
    "contextOtherActivityType": "other",
    "contextCategoryActivityType": "category",
}


def determining_mismatches(statement: dict[str, Any], template: dict[str, Any]) -> list[str]:
    """The template's Determining Properties the statement lacks (none: it matches)."""
    missing = []
    if "verb" in template and locate(statement, "$.verb.id") != [template["verb"]]:
        missing.append(f"verb is not {template['verb']}")
    object_type = locate(statement, "$.object.definition.type")
    if "objectActivityType" in template and object_type != [template["objectActivityType"]]:
        missing.append(f"object type {object_type} is not {template['objectActivityType']}")
    for prop, group in _CONTEXT_TYPES.items():
        sent = locate(statement, f"$.context.contextActivities.{group}[*].definition.type")
        missing.extend(
            f"no {group} activity of type {kind}"
            for kind in template.get(prop, [])
            if kind not in sent
        )
    if "attachmentUsageType" in template:
        raise NotImplementedError("attachmentUsageType is not supported by this evaluator")
    return missing


def template_errors(statement: dict[str, Any], template: dict[str, Any]) -> list[str]:
    """Everything that keeps ``statement`` from following ``template``."""
    errors = determining_mismatches(statement, template)
    for rule in template.get("rules", []):
        errors.extend(rule_errors(statement, rule))
    return errors
