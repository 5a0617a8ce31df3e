"""The Deep Linking picker's form, validated into plain values or field errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

MAX_TITLE = 200
MAX_PROMPT = 4000


@dataclass
class PickerForm:
    title: str = ""
    prompt: str = ""
    #: Field name → what to correct, in the order the fields appear.
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> PickerForm:
        parsed = cls(
            title=" ".join(form.get("title", "").split()),
            prompt=form.get("prompt", "").strip(),
        )
        if not parsed.title:
            parsed.errors["title"] = "Give the activity a title."
        elif len(parsed.title) > MAX_TITLE:
            parsed.errors["title"] = f"Keep the title under {MAX_TITLE} characters."
        if not parsed.prompt:
            parsed.errors["prompt"] = "Write the question learners will answer."
        elif len(parsed.prompt) > MAX_PROMPT:
            parsed.errors["prompt"] = f"Keep the prompt under {MAX_PROMPT} characters."
        return parsed
