"""The prompt coach: warns an instructor about prompts that kill conversation.

PRODUCT.md: open questions ("how would you apply this…") start conversations; closed yes/no
questions end them. This flags, in English and Spanish, a prompt that invites a yes/no or
one-word answer (it starts with an auxiliary verb, or asks for a single fact), asks two
questions at once, or is too short to say what is wanted — each finding with a code, a
message key for translation and an open rewrite. It only advises: saving is never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from activities.errors import N_

Language = Literal["en", "es"]
Code = Literal["closed_question", "single_fact", "double_question", "too_short"]

#: Fewer words than this and a prompt rarely says what is wanted.
MIN_WORDS = 6

_EN_AUXILIARIES = frozenset(
    [
        "am",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "have",
        "has",
        "had",
        "may",
        "might",
        "must",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "couldn't",
        "won't",
        "wouldn't",
        "shouldn't",
        "haven't",
        "hasn't",
    ]
)
_ES_CLOSED_STARTS = frozenset(
    [
        "es",
        "está",
        "están",
        "estás",
        "estaba",
        "son",
        "era",
        "eran",
        "fue",
        "fueron",
        "será",
        "sería",
        "puede",
        "puedes",
        "pueden",
        "podría",
        "podrías",
        "podrían",
        "hay",
        "había",
        "habrá",
        "tiene",
        "tienes",
        "tienen",
        "tenía",
        "tuvo",
        "tuviste",
        "has",
        "ha",
        "han",
        "hemos",
        "crees",
        "cree",
        "creen",
        "piensas",
        "sabes",
        "sabe",
        "conoces",
        "te",
        "le",
        "les",
        "existe",
        "debería",
        "deberías",
        "estarías",
        "harías",
        "volverías",
        "recomendarías",
        "usarías",
        "usas",
        "usaste",
        "estuvo",
        "alguna",
    ]
)
# Openings that ask for one fact (a name, a year, a number, a place), not a thought.
_EN_FACT = re.compile(
    r"^(who|whom|what (year|date|day|time|is the name)|when (did|was|is|were|will)|"
    r"where (is|was|did|are|were)|how (many|much|old|long ago))\b"
)
_ES_FACT = re.compile(
    r"^(qui[eé]n(es)?|cu[aá]ndo|d[oó]nde|cu[aá]nt[oa]s?|en qu[eé] (año|fecha|día)|"
    r"qu[eé] (año|fecha|día))\b"
)
# "…and how…" joining a second question inside one sentence.
_EN_JOINED = re.compile(r",?\s+(and|or)\s+(how|what|why|who|when|where|which)\s+\w+\s+\w+")
_ES_JOINED = re.compile(
    r",?\s+(y|o)\s+(c[oó]mo|qu[eé]|por qu[eé]|qui[eé]n|cu[aá]ndo|d[oó]nde)\s+\w+"
)
# A trailing "and why?" is the remedy for a closed question, not a second question.
_WHY_TAIL = re.compile(r",?\s+(and|y)\s+(why|por qu[eé])\s*[?]?$")

_ES_HINTS = frozenset(
    [
        "qué",
        "cómo",
        "por",
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "en",
        "tu",
        "tus",
        "su",
        "una",
        "un",
        "para",
        "con",
        "lo",
        "aplicarías",
        "harías",
        "crees",
        "es",
        "está",
        "son",
        "hay",
        "usted",
    ]
)
_EN_HINTS = frozenset(
    [
        "the",
        "you",
        "your",
        "what",
        "how",
        "of",
        "to",
        "in",
        "is",
        "are",
        "would",
        "do",
        "did",
        "this",
        "that",
        "and",
        "with",
        "it",
    ]
)
_MARKUP = re.compile(r"[*_`#>\[\]()~|]+")
_WORD = re.compile(r"[\w'’¿¡-]+")
_QUESTION = re.compile(r"[^?.!]*\?", re.S)

GENERIC_REWRITES: dict[Language, tuple[str, ...]] = {
    "en": (
        "How would you apply this in your own work?",
        "What would you do differently next time, and why?",
    ),
    "es": (
        "¿Cómo aplicarías esto en tu propio trabajo?",
        "¿Qué harías de otra manera la próxima vez, y por qué?",
    ),
}
#: English sentences for each code; the key is what a translation catalogue will look up.
MESSAGES: dict[Code, str] = {
    "closed_question": N_(
        "This can be answered with a yes or a no, which tends to end the conversation. Ask "
        "how, why or what the learner would do."
    ),
    "single_fact": N_(
        "This asks for a single fact (a name, a date, a number): learners answer in one word "
        "and have nothing to discuss. Ask what they make of it."
    ),
    "double_question": N_(
        "This asks two questions at once: learners answer one of them, or neither well. Keep "
        "the one that matters most."
    ),
    "too_short": N_("This prompt is very short: say what you want learners to think about."),
}


@dataclass(frozen=True)
class Finding:
    """One reason a prompt may not start a conversation, with open alternatives."""

    code: Code
    rewrites: tuple[str, ...]

    @property
    def message_key(self) -> str:
        return f"prompt_coach.{self.code}"

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class Review:
    language: Language
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def codes(self) -> frozenset[Code]:
        return frozenset(finding.code for finding in self.findings)


def plain(prompt: str) -> str:
    return " ".join(_MARKUP.sub(" ", prompt).split())


def detect_language(text: str) -> Language:
    """Spanish or English, from the inverted question mark, accents and common words."""
    if "¿" in text or "¡" in text:
        return "es"
    words = [word.lower().strip("¿¡'’") for word in _WORD.findall(text)]
    spanish = sum(word in _ES_HINTS for word in words) + sum(
        any(ch in word for ch in "áéíóúñ") for word in words
    )
    english = sum(word in _EN_HINTS for word in words)
    return "es" if spanish > english else "en"


def questions(text: str) -> list[str]:
    """Each question of ``text`` (up to its ``?``), stripped; the whole text if none."""
    found = [q.strip() for q in _QUESTION.findall(text) if _WORD.search(q)]
    return found or [text.strip()]


def _openings(question: str) -> list[str]:
    """Where the question itself may begin: its start, and after a leading clause ("After the
    reading, do you agree…?")."""
    body = question.lstrip("¿¡ ").lower()
    found = [body]
    if "," in body:
        found.append(body.rsplit(",", 1)[1].lstrip("¿¡ "))
    return found


def _first_word(text: str) -> str:
    match = _WORD.search(text)
    return match.group(0).lower().strip("¿¡") if match else ""


def _is_closed(question: str, language: Language) -> bool:
    starts = _ES_CLOSED_STARTS if language == "es" else _EN_AUXILIARIES
    for opening in _openings(question):
        if _WHY_TAIL.search(opening):
            return False  # "…, and why?" already asks for reasons
        if _first_word(opening) in starts:
            return True
    return False


def _is_fact(question: str, language: Language) -> bool:
    pattern = _ES_FACT if language == "es" else _EN_FACT
    return any(pattern.match(opening) for opening in _openings(question))


def _opened(question: str, language: Language) -> str:
    """An open version of a closed question: "To what extent …, and why?"."""
    body = question.strip().lstrip("¿¡ ").rstrip("?. ")
    if "," in body:
        body = body.rsplit(",", 1)[1].strip()
    if not body:
        return GENERIC_REWRITES[language][0]
    body = body[0].lower() + body[1:]
    if language == "es":
        return f"¿Hasta qué punto {body}, y por qué?"
    return f"To what extent {body}, and why?"


def _is_double(text: str, language: Language) -> bool:
    asked = [q for q in questions(text) if q.endswith("?")]
    if len(asked) >= 2:
        return True
    joined = _ES_JOINED if language == "es" else _EN_JOINED
    return any(joined.search(q.lower()) and not _WHY_TAIL.search(q.lower()) for q in asked)


def review(prompt: str, language: Language | None = None) -> Review:
    """What the coach says of ``prompt`` (Markdown source); no findings means it reads as
    an open question."""
    text = plain(prompt)
    lang: Language = language or detect_language(text)
    generic = GENERIC_REWRITES[lang]
    findings: list[Finding] = []
    asked = questions(text)
    first = asked[0]
    if _is_fact(first, lang):
        findings.append(Finding("single_fact", generic))
    elif _is_closed(first, lang):
        findings.append(Finding("closed_question", (_opened(first, lang), *generic)))
    if _is_double(text, lang):
        findings.append(Finding("double_question", (first if first.endswith("?") else generic[0],)))
    if len(_WORD.findall(text)) < MIN_WORDS:
        findings.append(Finding("too_short", generic))
    return Review(lang, tuple(findings))
