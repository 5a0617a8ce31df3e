"""The prompt templates: the seven kinds of social activity, each an open question to adapt,
in English and Spanish."""

from __future__ import annotations

import pytest

from activities.prompt_coach import review
from activities.prompt_templates import BY_KIND, LANGUAGES, TEMPLATES, Template, prompt

SEVEN = {
    "socialising",
    "storytelling",
    "information_exchange",
    "questions_answers",
    "mentoring",
    "co_learning",
    "joint_effort",
}


def test_one_template_for_each_of_the_seven_kinds() -> None:
    assert [template.kind for template in TEMPLATES] == list(BY_KIND)
    assert set(BY_KIND) == SEVEN


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.kind)
def test_each_has_a_name_a_use_and_one_or_two_prompts_per_language(template: Template) -> None:
    for language in LANGUAGES:
        assert template.name_in(language)
        assert template.use_in(language).endswith(".")
        assert 1 <= len(template.prompts_in(language)) <= 2
    # The Spanish is a translation: as many questions, other words.
    assert len(template.prompts["en"]) == len(template.prompts["es"])
    assert template.name["en"] != template.name["es"]


@pytest.mark.parametrize(
    ("kind", "language", "text"),
    [
        (t.kind, language, text)
        for t in TEMPLATES
        for language in LANGUAGES
        for text in t.prompts[language]
    ],
)
def test_every_template_is_an_open_question_the_coach_accepts(
    kind: str, language: str, text: str
) -> None:
    verdict = review(text)
    assert verdict.ok, (kind, text, verdict.codes)
    assert verdict.language == language


def test_the_storytelling_template_asks_for_a_fumble_and_its_lesson() -> None:
    assert "fumbled" in BY_KIND["storytelling"].prompts["en"][0]


def test_a_prompt_by_kind_number_and_language() -> None:
    assert prompt("mentoring", 1, "es-MX") == BY_KIND["mentoring"].prompts["es"][1]
    assert prompt("mentoring", 0, "fr") == BY_KIND["mentoring"].prompts["en"][0]
    assert prompt("mentoring", 5, "en") is None
    assert prompt("gossip", 0, "en") is None
