"""The picker's form (Deep Linking, and setting up a link in place): one or several activity
blocks, each parsed into plain values and checked — the placement's own columns here, its
settings by ``activities.settings`` (the one place for their rules) — with a message per
field, and what the prompt coach says of each prompt.

Field names are numbered per block: the first block's are plain (``title``, ``prompt``…),
the n-th's end in ``-n`` (``title-2``). Every name is also the id of its control, so an error
summary links to it. What was typed is kept as typed (``*_text``) to show it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from activities import prompt_coach, prompt_templates
from activities.placements import KINDS
from activities.settings import InvalidSettings, validate_new
from xapi.inputs import ActivityKind

MAX_TITLE = 200
MAX_PROMPT = 4000
#: The score maximum the picker offers first, and the largest it takes.
DEFAULT_SCORE_MAXIMUM = 10.0
MAX_SCORE_MAXIMUM = 1000.0
#: Most activities one response returns (an LMS adds each as its own item).
MAX_ITEMS = 10
#: Largest UTC offset a browser can report, in minutes (UTC−12 … UTC+14).
MAX_OFFSET_MINUTES = 14 * 60
#: Stands for the block number in the block the page's script copies to add one.
PLACEHOLDER = "__N__"

_WHOLE = re.compile(r"^[+-]?\d{1,9}$")
_LOCAL = "%Y-%m-%dT%H:%M"


def suffix(number: int | str) -> str:
    """What the ``number``-th block's field names end in (the first's: nothing)."""
    return "" if number == 1 else f"-{number}"


_OPTIONS = (
    "purpose", "due_at", "anonymity_allowed", "reveal_rule", "reveal_after_peers", "reveal_at",
    "min_words",
)  # fmt: skip
_OPTION_ATTRIBUTES = (
    "purpose", "due_at_text", "anonymity_allowed", "reveal_rule", "reveal_after_peers_text",
    "reveal_at_text", "min_words_text",
)  # fmt: skip


@dataclass
class ItemForm:
    """One activity block as typed, and what is wrong with it."""

    number: int | str = 1
    kind: str = "reflection"
    title: str = ""
    prompt: str = ""
    purpose: str = ""
    due_at_text: str = ""
    due_at_offset: str = ""
    anonymity_allowed: bool = False
    reveal_rule: str = "after_post"
    reveal_after_peers_text: str = "3"
    reveal_at_text: str = ""
    reveal_at_offset: str = ""
    min_words_text: str = "15"
    #: Grade participation in the LMS gradebook (off unless the instructor ticks it).
    grading: bool = False
    grade_reflections_text: str = "1"
    grade_replies_text: str = "0"
    score_maximum_text: str = "10"
    #: Parsed values (set by ``validate``): the settings as ``placements.create`` takes them.
    score_maximum: float = DEFAULT_SCORE_MAXIMUM
    settings: dict[str, Any] = field(default_factory=dict)
    #: Field name → what to correct, in the order the fields appear.
    errors: dict[str, str] = field(default_factory=dict)
    #: Whether the dates were read in UTC because the browser gave no offset.
    assumed_utc: bool = False
    #: Show the prompt's rendering (the no-script "Preview" button).
    preview: bool = False

    def name(self, base: str) -> str:
        return base + suffix(self.number)

    @property
    def activity_kind(self) -> ActivityKind:
        """The kind, once validated (one of ``KINDS``)."""
        return next(kind for kind in KINDS if kind == self.kind)

    def option_names(self) -> list[str]:
        """The fields under "More options" (shown open when one is wrong or changed)."""
        return [self.name(base) for base in _OPTIONS]

    @property
    def options_changed(self) -> bool:
        blank = ItemForm()
        return any(getattr(self, f) != getattr(blank, f) for f in _OPTION_ATTRIBUTES)

    @property
    def coach(self) -> prompt_coach.Review | None:
        """What the coach says of the prompt (None while there is none)."""
        return prompt_coach.review(self.prompt) if self.prompt.strip() else None

    @classmethod
    def parse(cls, form: MultiDict[str, str], number: int) -> ItemForm:
        end = suffix(number)

        def text(base: str, default: str = "") -> str:
            return form.get(base + end, default).strip()

        return cls(
            number=number,
            kind=text("kind", "reflection"),
            title=" ".join(text("title").split()),
            prompt=text("prompt").replace("\r\n", "\n"),
            purpose=text("purpose").replace("\r\n", "\n"),
            due_at_text=text("due_at"),
            due_at_offset=text("due_at_offset"),
            anonymity_allowed=text("anonymity_allowed") == "on",
            reveal_rule=text("reveal_rule", "after_post"),
            reveal_after_peers_text=text("reveal_after_peers", "3"),
            reveal_at_text=text("reveal_at"),
            reveal_at_offset=text("reveal_at_offset"),
            min_words_text=text("min_words", "15"),
            grading=text("grading") == "on",
            grade_reflections_text=text("grade_reflections", "1"),
            grade_replies_text=text("grade_replies", "0"),
            score_maximum_text=text("score_maximum", "10"),
        )

    def validate(self) -> None:
        """Fill ``errors`` (by field name) and, when there are none, ``settings``."""
        if self.kind not in KINDS:
            self.errors[self.name("kind")] = _("Choose the kind of activity to add.")
        if not self.title:
            self.errors[self.name("title")] = _("Give the activity a title.")
        elif len(self.title) > MAX_TITLE:
            self.errors[self.name("title")] = _(
                "Keep the title under %(limit)s characters.", limit=MAX_TITLE
            )
        if not self.prompt:
            self.errors[self.name("prompt")] = _("Write the question learners will answer.")
        elif len(self.prompt) > MAX_PROMPT:
            self.errors[self.name("prompt")] = _(
                "Keep the prompt under %(limit)s characters.", limit=MAX_PROMPT
            )
        values: dict[str, object] = {
            "purpose": self.purpose,
            "anonymity_allowed": self.anonymity_allowed,
            "reveal_rule": self.reveal_rule,
        }
        self._moment(values, "due_at", self.due_at_text, self.due_at_offset)
        self._whole(values, "min_words", self.min_words_text)
        if self.reveal_rule == "after_peers":
            self._whole(values, "reveal_after_peers", self.reveal_after_peers_text)
        if self.reveal_rule == "after_date":
            self._moment(values, "reveal_at", self.reveal_at_text, self.reveal_at_offset)
        if self.grading:
            self._whole(values, "grade_reflections", self.grade_reflections_text)
            self._whole(values, "grade_replies", self.grade_replies_text)
            self._score_maximum()
        if self.kind in KINDS:
            try:
                validate_new(self.kind, values)
                self.settings = values  # what placements.create takes (and checks again)
            except InvalidSettings as refused:
                for name, error in refused.by_name.items():
                    self.errors.setdefault(self.name(name), _(error.message, **error.params))
        self.errors = {name: self.errors[name] for name in self._order() if name in self.errors}

    def _order(self) -> list[str]:
        fields = [
            "kind", "title", "prompt", "purpose", "due_at", "anonymity_allowed", "reveal_rule",
            "reveal_after_peers", "reveal_at", "min_words", "grade_reflections",
            "grade_replies", "score_maximum",
        ]  # fmt: skip
        return [self.name(base) for base in fields]

    def _whole(self, values: dict[str, object], base: str, typed: str) -> None:
        if _WHOLE.match(typed):
            values[base] = int(typed)
        else:
            self.errors[self.name(base)] = _("Enter a whole number, such as 3.")

    def _moment(self, values: dict[str, object], base: str, typed: str, offset: str) -> None:
        """A ``datetime-local`` value in the browser's zone (its offset east of UTC in
        minutes, sent by the page's script); UTC when the browser sent none."""
        if not typed:
            values[base] = None
            return
        try:
            local = datetime.strptime(typed[:16], _LOCAL)  # noqa: DTZ007 - zone added below
        except ValueError:
            self.errors[self.name(base)] = _("Enter a date and a time, such as 2026-04-01 17:00.")
            return
        minutes = int(offset) if _WHOLE.match(offset) else None
        if minutes is None or abs(minutes) > MAX_OFFSET_MINUTES:
            self.assumed_utc = True
            minutes = 0
        values[base] = local.replace(tzinfo=timezone(timedelta(minutes=minutes))).astimezone(UTC)

    def _score_maximum(self) -> None:
        try:
            self.score_maximum = float(self.score_maximum_text)
        except ValueError:
            self.score_maximum = -1.0
        if not 0 < self.score_maximum <= MAX_SCORE_MAXIMUM:
            limit = f"{MAX_SCORE_MAXIMUM:g}"
            self.errors[self.name("score_maximum")] = _(
                "The maximum score must be a number above 0 and up to %(limit)s.",
                limit=limit,
            )


@dataclass
class PickerForm:
    """The whole picker: its blocks, and what the button pressed asked for."""

    items: list[ItemForm] = field(default_factory=lambda: [ItemForm()])
    #: "save" (the main button), or one that only shows the form again: "add_item",
    #: "remove_item", "template", "rewrite", "preview".
    action: str = "save"
    #: The instructor saw the coach's warnings and saves anyway.
    save_anyway: bool = False

    @property
    def errors(self) -> dict[str, str]:
        return {name: message for item in self.items for name, message in item.errors.items()}

    @property
    def warned(self) -> list[ItemForm]:
        """Blocks whose prompt the coach has something to say about."""
        return [item for item in self.items if item.coach is not None and not item.coach.ok]

    # The fields of the first block, for the callers that place one activity.
    @property
    def title(self) -> str:
        return self.items[0].title

    @property
    def prompt(self) -> str:
        return self.items[0].prompt

    @classmethod
    def parse(
        cls, form: MultiDict[str, str], *, multiple: bool = False, language: str = "en"
    ) -> PickerForm:
        """Read every block the form holds (one unless the platform takes several), apply
        the button that was pressed, and validate when it was the save button."""
        count = 1
        if multiple and _WHOLE.match(form.get("items", "1").strip()):
            count = max(1, min(MAX_ITEMS, int(form.get("items", "1"))))
        parsed = cls(
            items=[ItemForm.parse(form, number) for number in range(1, count + 1)],
            save_anyway=form.get("save_anyway") == "1",
        )
        if multiple and "add_item" in form:
            parsed.action = "add_item"
            if count < MAX_ITEMS:
                parsed.items.append(ItemForm(number=count + 1))
        elif multiple and "remove_item" in form:
            parsed.action = "remove_item"
            parsed._remove(form.get("remove_item", ""))
        elif "use_template" in form:
            parsed.action = "template"
            parsed._template(form.get("use_template", ""), language)
        elif any(key.startswith("rewrite") for key in form):
            parsed.action = "rewrite"
            for item in parsed.items:
                if item.name("rewrite") in form:
                    item.prompt = form.get(item.name("rewrite"), "").strip() or item.prompt
        elif any(key.startswith("preview") for key in form):
            parsed.action = "preview"
            for item in parsed.items:
                item.preview = item.name("preview") in form
        if parsed.action == "save":
            for item in parsed.items:
                item.validate()
        return parsed

    def _block(self, number: str) -> ItemForm | None:
        return next((item for item in self.items if str(item.number) == number), None)

    def _remove(self, number: str) -> None:
        item = self._block(number)
        if item is None or len(self.items) == 1:
            return
        self.items.remove(item)
        for position, rest in enumerate(self.items, start=1):
            rest.number = position

    def _template(self, value: str, language: str) -> None:
        """``use_template`` is ``<block>:<kind>:<prompt number>``: fill that block's prompt."""
        number, _sep, rest = value.partition(":")
        kind, _sep, which = rest.partition(":")
        item = self._block(number)
        found = prompt_templates.prompt(kind, int(which), language) if which.isdigit() else None
        if item is not None and found is not None:
            item.prompt = found

    def placeholder(self) -> ItemForm:
        """A blank block numbered ``__N__``: the one the page's script copies."""
        return ItemForm(number=PLACEHOLDER)
