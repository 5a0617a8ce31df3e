"""The picker's form: every field parsed and checked (the settings' rules are
activities.settings'), several numbered blocks, and the buttons that only change the form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from activities.prompt_templates import BY_KIND
from lti_tool.views.picker_form import MAX_ITEMS, PickerForm

OPEN = "How would you apply this in your next client meeting?"


@pytest.fixture(autouse=True)
def request_context() -> Iterator[None]:
    """Messages go through Flask-Babel, which needs an app (no database here)."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def parse(
    typed: dict[str, str] | None = None,
    *,
    multiple: bool = False,
    language: str = "en",
    **fields: str,
) -> PickerForm:
    values = {"title": "Week 1", "prompt": OPEN} | (typed or {}) | fields
    return PickerForm.parse(MultiDict(values), multiple=multiple, language=language)


def test_a_filled_form_has_no_errors_and_the_defaults_as_settings() -> None:
    form = parse()
    assert form.errors == {}
    [item] = form.items
    assert (item.kind, item.title, item.prompt, item.grading) == (
        "reflection",
        "Week 1",
        OPEN,
        False,
    )
    assert item.settings == {
        "purpose": "",
        "anonymity_allowed": False,
        "reveal_rule": "after_post",
        "due_at": None,
        "min_words": 15,
    }
    assert form.warned == []


def test_blank_title_and_prompt_are_reported_in_the_form_order() -> None:
    form = parse(title="   ", prompt="")
    assert form.errors == {
        "title": "Give the activity a title.",
        "prompt": "Write the question learners will answer.",
    }


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"kind": "discussion"}, "kind", "Choose the kind of activity to add."),
        ({"title": "t" * 201}, "title", "Keep the title under 200 characters."),
        ({"prompt": "p" * 4001}, "prompt", "Keep the prompt under 4000 characters."),
        ({"purpose": "x" * 2001}, "purpose", "Write at most 2000 characters."),
        ({"min_words": "many"}, "min_words", "Enter a whole number, such as 3."),
        ({"min_words": "-1"}, "min_words", "Enter a whole number from 0 to 1000."),
        (
            {"reveal_rule": "after_peers", "reveal_after_peers": "0"},
            "reveal_after_peers",
            "Enter a whole number from 1 to 10000.",
        ),
        ({"reveal_rule": "whenever"}, "reveal_rule", "Choose when learners see their peers' "),
        (
            {"reveal_rule": "after_date"},
            "reveal_at",
            "Choose the date when peers' reflections appear.",
        ),
        ({"due_at": "next friday"}, "due_at", "Enter a date and a time, such as"),
        ({"grading": "on", "score_maximum": "0"}, "score_maximum", "above 0 and up to 1000"),
        ({"grading": "on", "score_maximum": "ten"}, "score_maximum", "above 0 and up to 1000"),
        ({"grading": "on", "grade_replies": "51"}, "grade_replies", "from 0 to 50."),
        ({"grading": "on", "grade_reflections": "1.5"}, "grade_reflections", "whole number"),
        (
            {"grading": "on", "grade_reflections": "0", "grade_replies": "0"},
            "grade_reflections",
            "Ask for at least one reflection or one reply",
        ),
    ],
)
def test_each_bad_field_gets_its_own_message(
    fields: dict[str, str], name: str, message: str
) -> None:
    form = parse(fields)
    assert list(form.errors) == [name]
    assert message in form.errors[name]


def test_a_rule_s_number_and_date_are_only_read_for_that_rule() -> None:
    form = parse(reveal_after_peers="junk", reveal_at="junk")
    assert form.errors == {}
    assert "reveal_after_peers" not in form.items[0].settings


def test_dates_are_read_in_the_browser_s_time_zone() -> None:
    form = parse(
        due_at="2026-04-01T17:00",
        due_at_offset="120",
        reveal_rule="after_date",
        reveal_at="2026-03-25T09:30",
        reveal_at_offset="-300",
    )
    item = form.items[0]
    assert form.errors == {}
    assert item.settings["due_at"] == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    assert item.settings["reveal_at"] == datetime(2026, 3, 25, 14, 30, tzinfo=UTC)
    assert item.assumed_utc is False


@pytest.mark.parametrize("offset", ["", "abc", "9999"])
def test_without_a_usable_offset_dates_are_utc_and_the_form_says_so(offset: str) -> None:
    item = parse(due_at="2026-04-01T17:00", due_at_offset=offset).items[0]
    assert item.settings["due_at"] == datetime(2026, 4, 1, 17, 0, tzinfo=UTC)
    assert item.assumed_utc is True


def test_grading_on_keeps_the_rule_and_the_maximum() -> None:
    item = parse(grading="on", grade_reflections="1", grade_replies="2", score_maximum="20").items[
        0
    ]
    assert (item.grading, item.score_maximum) == (True, 20.0)
    assert (item.settings["grade_reflections"], item.settings["grade_replies"]) == (1, 2)


def test_grading_off_ignores_the_rule_fields() -> None:
    item = parse(grade_reflections="junk", score_maximum="0").items[0]
    assert item.grading is False
    assert "grade_reflections" not in item.settings


def test_anonymity_is_off_unless_ticked() -> None:
    assert parse().items[0].settings["anonymity_allowed"] is False
    assert parse(anonymity_allowed="on").items[0].settings["anonymity_allowed"] is True


def test_what_was_typed_is_kept_as_typed() -> None:
    item = parse(title="  Week   1 ", min_words="abc", due_at="2026-04-01T17:00").items[0]
    assert (item.title, item.min_words_text, item.due_at_text) == (
        "Week 1",
        "abc",
        "2026-04-01T17:00",
    )


def test_several_blocks_have_numbered_fields_when_the_platform_takes_several() -> None:
    fields = {"items": "2", "title-2": "Week 2", "prompt-2": "", "grading-2": "on"}
    form = parse(fields, multiple=True)
    assert [item.title for item in form.items] == ["Week 1", "Week 2"]
    assert form.items[1].grading is True
    assert form.errors == {"prompt-2": "Write the question learners will answer."}
    # One only when the platform does not take several.
    assert len(parse(fields, multiple=False).items) == 1


def test_the_number_of_blocks_is_bounded() -> None:
    assert len(parse(multiple=True, items="500").items) == MAX_ITEMS
    assert len(parse(multiple=True, items="-3").items) == 1
    assert len(parse(multiple=True, items="two").items) == 1


def test_add_and_remove_a_block_only_show_the_form_again() -> None:
    added = parse(multiple=True, add_item="1", title="")
    assert added.action == "add_item"
    assert [item.number for item in added.items] == [1, 2]
    assert added.errors == {}  # not a save: nothing is reported yet
    removed = parse({"title-3": "Third"}, multiple=True, items="3", remove_item="2")
    assert [(item.number, item.title) for item in removed.items] == [(1, "Week 1"), (2, "Third")]
    assert removed.items[1].name("title") == "title-2"


def test_a_template_fills_its_block_s_prompt_in_the_page_s_language() -> None:
    form = parse(multiple=True, language="es", items="2", use_template="2:storytelling:0")
    assert form.action == "template"
    assert form.items[0].prompt == OPEN
    assert form.items[1].prompt == BY_KIND["storytelling"].prompts["es"][0]
    # An unknown template changes nothing.
    assert parse(use_template="1:nope:0").items[0].prompt == OPEN
    assert parse(use_template="1:storytelling:9").items[0].prompt == OPEN


def test_a_coach_rewrite_replaces_the_prompt() -> None:
    form = parse(prompt="Did you like it?", rewrite="How would you use it at work?")
    assert (form.action, form.items[0].prompt) == ("rewrite", "How would you use it at work?")


def test_preview_shows_the_form_again_with_that_block_s_preview() -> None:
    form = parse(preview="1")
    assert (form.action, form.items[0].preview, form.errors) == ("preview", True, {})


def test_the_coach_s_warnings_and_save_anyway() -> None:
    form = parse(prompt="Did you find the video useful for your work?")
    assert form.errors == {}
    [warned] = form.warned
    assert warned.coach is not None
    assert warned.coach.codes == {"closed_question"}
    assert form.save_anyway is False
    assert parse(prompt="Is it useful?", save_anyway="1").save_anyway is True
