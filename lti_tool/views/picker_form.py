"""The Deep Linking picker's form, validated into plain values or field errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

MAX_TITLE = 200
MAX_PROMPT = 4000
#: The score maximum the picker offers first, and the largest it takes.
DEFAULT_SCORE_MAXIMUM = 10.0
MAX_SCORE_MAXIMUM = 1000.0


@dataclass
class PickerForm:
    title: str = ""
    prompt: str = ""
    #: Grade participation in the LMS gradebook (off unless the instructor ticks it).
    grading: bool = False
    #: What a full score is, when grading; the field as typed is kept to show it back.
    score_maximum: float = DEFAULT_SCORE_MAXIMUM
    score_maximum_text: str = ""
    #: Field name → what to correct, in the order the fields appear.
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, form: MultiDict[str, str]) -> PickerForm:
        parsed = cls(
            title=" ".join(form.get("title", "").split()),
            prompt=form.get("prompt", "").strip(),
            grading=form.get("grading") == "on",
            score_maximum_text=form.get("score_maximum", "").strip(),
        )
        if not parsed.title:
            parsed.errors["title"] = "Give the activity a title."
        elif len(parsed.title) > MAX_TITLE:
            parsed.errors["title"] = f"Keep the title under {MAX_TITLE} characters."
        if not parsed.prompt:
            parsed.errors["prompt"] = "Write the question learners will answer."
        elif len(parsed.prompt) > MAX_PROMPT:
            parsed.errors["prompt"] = f"Keep the prompt under {MAX_PROMPT} characters."
        if parsed.grading and parsed.score_maximum_text:
            try:
                parsed.score_maximum = float(parsed.score_maximum_text)
            except ValueError:
                parsed.score_maximum = -1.0
            if not 0 < parsed.score_maximum <= MAX_SCORE_MAXIMUM:
                parsed.errors["score_maximum"] = (
                    f"The maximum score must be a number above 0 and up to {MAX_SCORE_MAXIMUM:g}."
                )
        return parsed
