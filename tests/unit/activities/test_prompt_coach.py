"""The prompt coach on a table of real prompts (English and Spanish, open and closed)."""

from __future__ import annotations

import pytest

from activities.prompt_coach import MESSAGES, review

OPEN: frozenset[str] = frozenset()
CLOSED = frozenset({"closed_question"})
FACT = frozenset({"single_fact"})
DOUBLE = frozenset({"double_question"})
SHORT = frozenset({"too_short"})

PROMPTS = [
    # English, open
    ("How would you apply this in your next client meeting?", "en", OPEN),
    ("What would you do differently if you ran this project again, and why?", "en", OPEN),
    ("Describe a time you fumbled a hand-off and what you learned from it.", "en", OPEN),
    ("Why do you think the team in the case study missed the warning signs?", "en", OPEN),
    ("Which idea from the reading will you try first this week, and why?", "en", OPEN),
    (
        "After watching the video, what surprised you most about how experts give feedback?",
        "en",
        OPEN,
    ),
    ("If you were the manager in this story, what would you say to Maria?", "en", OPEN),
    ("Tell your classmates about a mentor who changed how you work.", "en", OPEN),
    ("What is one thing you will stop doing after this module?", "en", OPEN),
    ("In what ways does this framework change how you plan a lesson?", "en", OPEN),
    ("To what extent do you agree with the author's argument, and why?", "en", OPEN),
    ("Share a question you still have after this unit and what prompted it.", "en", OPEN),
    # English, closed (yes/no)
    ("Did you find the video useful for your work?", "en", CLOSED),
    ("Do you agree with the author's main argument in chapter three?", "en", CLOSED),
    ("Is this approach better than the one we used last week?", "en", CLOSED),
    ("Can you apply this model in your own team next month?", "en", CLOSED),
    ("Would you recommend this reading to a colleague at work?", "en", CLOSED),
    ("Have you ever used a retrospective with your own team?", "en", CLOSED),
    ("After reading the case, do you think the manager made the right call?", "en", CLOSED),
    ("Was the lecture clear enough for you to follow along?", "en", CLOSED),
    ("Should companies require this training for every new employee?", "en", CLOSED),
    # English, a single fact
    ("What year was the Agile Manifesto written by its authors?", "en", FACT),
    ("Who proposed the theory of situated learning in this reading?", "en", FACT),
    ("How many steps are there in the feedback model we studied?", "en", FACT),
    ("When did the company in the case first notice the problem?", "en", FACT),
    # English, double questions and short prompts
    ("What did you learn? How will you use it at work next week?", "en", DOUBLE),
    ("What did you learn from the case and how will you use it at work?", "en", DOUBLE),
    ("Did you like it? Why or why not, in your own experience?", "en", CLOSED | DOUBLE),
    ("Thoughts?", "en", SHORT),
    ("Your reflection here.", "en", SHORT),
    ("Any questions?", "en", SHORT),
    ("Is it useful?", "en", CLOSED | SHORT),
    # Spanish, open
    ("¿Cómo aplicarías esto en tu próxima reunión con un cliente?", "es", OPEN),
    ("¿Qué harías de otra manera si volvieras a dirigir este proyecto, y por qué?", "es", OPEN),
    ("Describe una ocasión en la que cometiste un error y lo que aprendiste de ella.", "es", OPEN),
    ("¿Por qué crees que el equipo del caso no vio las señales de alarma?", "es", OPEN),
    ("¿De qué manera cambia esta lectura tu forma de planificar una clase?", "es", OPEN),
    ("¿Hasta qué punto estás de acuerdo con la autora, y por qué?", "es", OPEN),
    (
        "Después de ver el vídeo, ¿qué te sorprendió más de la retroalimentación de los expertos?",
        "es",
        OPEN,
    ),
    # Spanish, closed
    ("¿Es útil este enfoque para tu trabajo diario en el equipo?", "es", CLOSED),
    ("¿Estás de acuerdo con el argumento principal del capítulo tres?", "es", CLOSED),
    ("¿Puede aplicarse este modelo en tu propio equipo el próximo mes?", "es", CLOSED),
    ("¿Hay algo en el vídeo que no hayas entendido del todo bien?", "es", CLOSED),
    ("¿Te pareció clara la explicación de la profesora en la clase?", "es", CLOSED),
    ("¿Tiene sentido este modelo para una empresa pequeña como la tuya?", "es", CLOSED),
    ("¿Fue la decisión del gerente la correcta en este caso concreto?", "es", CLOSED),
    ("Después de leer el caso, ¿crees que el gerente acertó con su decisión?", "es", CLOSED),
    # Spanish, a single fact, double and short
    ("¿Cuándo se publicó el manifiesto que estudiamos en esta unidad?", "es", FACT),
    ("¿Quién propuso la teoría del aprendizaje situado en la lectura?", "es", FACT),
    ("¿En qué año se fundó la empresa del caso que hemos leído?", "es", FACT),
    ("¿Qué aprendiste? ¿Cómo lo usarás en tu trabajo la próxima semana?", "es", DOUBLE),
    ("¿Qué aprendiste del caso y cómo lo usarás en tu trabajo?", "es", DOUBLE),
    ("¿Comentarios?", "es", SHORT),
]


@pytest.mark.parametrize(("prompt", "language", "expected"), PROMPTS)
def test_verdict(prompt: str, language: str, expected: frozenset[str]) -> None:
    verdict = review(prompt)
    assert verdict.codes == expected, prompt
    assert verdict.language == language, prompt
    assert verdict.ok is (not expected)


def test_the_table_is_large_and_mixed() -> None:
    assert len(PROMPTS) >= 40
    assert {language for _, language, _ in PROMPTS} == {"en", "es"}
    assert sum(not expected for *_, expected in PROMPTS) >= 15


def test_each_finding_says_why_and_offers_an_open_rewrite() -> None:
    (finding,) = review("Did you find the video useful for your work?").findings
    assert finding.message_key == "prompt_coach.closed_question"
    assert finding.message == MESSAGES["closed_question"]
    assert (
        finding.rewrites[0]
        == "To what extent did you find the video useful for your work, and why?"
    )
    assert "What would you do differently next time, and why?" in finding.rewrites
    # The rewrite is itself open.
    assert all(review(rewrite).ok for rewrite in finding.rewrites)


def test_spanish_prompts_get_spanish_rewrites() -> None:
    (finding,) = review("¿Es útil este enfoque para tu trabajo diario en el equipo?").findings
    assert (
        finding.rewrites[0]
        == "¿Hasta qué punto es útil este enfoque para tu trabajo diario en el equipo, y por qué?"
    )
    assert all(rewrite.startswith("¿") for rewrite in finding.rewrites)
    assert all(review(rewrite).ok for rewrite in finding.rewrites)


def test_double_question_suggests_keeping_the_first() -> None:
    findings = review("What did you learn? How will you use it at work next week?").findings
    assert findings[0].rewrites == ("What did you learn?",)


def test_markdown_is_read_as_its_words() -> None:
    assert review("**Did** you find the _video_ useful for your work?").codes == CLOSED
