"""Prompt templates: an open question to adapt for each of the seven kinds of social activity.

The kinds are the ones the social-learning literature the product builds on names
(PRODUCT.md): socialising, storytelling, information exchange, questions and answers,
mentoring, co-learning and joint effort. Each template is an open question (the prompt coach
has nothing to say about any of them: a test checks it) for the instructor to adapt.

The prompts are content, written here per language: an instructor teaching in Spanish gets
Spanish questions to adapt whatever language the page is in. The name and the one-line use
are the page's words: English marked with ``N_`` for the catalogs, and their Spanish here too
so the picker needs no catalog entry to show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from activities.errors import N_
from activities.prompt_coach import Language

LANGUAGES: tuple[Language, ...] = ("en", "es")


@dataclass(frozen=True)
class Template:
    #: Stable id (form values, tests).
    kind: str
    #: What the picker calls it, per language ("en" marked N_).
    name: dict[Language, str]
    #: When to use it, in one line.
    use: dict[Language, str]
    #: One or two open questions, per language.
    prompts: dict[Language, tuple[str, ...]]

    def name_in(self, language: str) -> str:
        return self.name.get(_language(language), self.name["en"])

    def use_in(self, language: str) -> str:
        return self.use.get(_language(language), self.use["en"])

    def prompts_in(self, language: str) -> tuple[str, ...]:
        return self.prompts.get(_language(language), self.prompts["en"])


def _language(tag: str) -> Language:
    return "es" if tag.lower().startswith("es") else "en"


TEMPLATES: tuple[Template, ...] = (
    Template(
        "socialising",
        {"en": N_("Introductions"), "es": "Presentaciones"},
        {
            "en": N_("Break the ice at the start of a course or a new group."),
            "es": "Romper el hielo al empezar un curso o un grupo nuevo.",
        },
        {
            "en": (
                "What would you like to be able to do by the end of this course that you "
                "cannot do today?",
                "Introduce yourself through one thing from your work or life that shapes the "
                "way you learn.",
            ),
            "es": (
                "¿Qué te gustaría ser capaz de hacer al terminar este curso que hoy todavía "
                "no puedes hacer?",
                "Preséntate a través de algo de tu trabajo o de tu vida que influye en tu "
                "forma de aprender.",
            ),
        },
    ),
    Template(
        "storytelling",
        {"en": N_("Storytelling"), "es": "Contar una historia"},
        {
            "en": N_("Learn from experience: a story, including a fumble and what it taught."),
            "es": "Aprender de la experiencia: una historia, también un tropiezo y su lección.",
        },
        {
            "en": (
                "Tell us about a time you fumbled something related to this topic and what "
                "you learned from it.",
                "Describe a moment when an idea from this module would have changed how a "
                "situation turned out for you.",
            ),
            "es": (
                "Cuéntanos una ocasión en la que algo relacionado con este tema te salió mal "
                "y lo que aprendiste de ello.",
                "Describe un momento en el que una idea de este módulo habría cambiado cómo "
                "terminó una situación que viviste.",
            ),
        },
    ),
    Template(
        "information_exchange",
        {"en": N_("Information exchange"), "es": "Intercambio de información"},
        {
            "en": N_("Pool resources, tips and practices that others can use."),
            "es": "Reunir recursos, consejos y prácticas que otros puedan usar.",
        },
        {
            "en": (
                "Which resource, tool or habit has helped you most with this topic, in a way "
                "a classmate could use too?",
            ),
            "es": (
                "Comparte el recurso, la herramienta o el hábito que más te ha ayudado con "
                "este tema, de forma que un compañero pueda usarlo también.",
            ),
        },
    ),
    Template(
        "questions_answers",
        {"en": N_("Questions and answers"), "es": "Preguntas y respuestas"},
        {
            "en": N_("Surface what is still unclear so peers can help answer it."),
            "es": "Sacar a la luz lo que sigue sin estar claro para que otros ayuden.",
        },
        {
            "en": (
                "What question about this material are you still turning over after what "
                "you have tried so far?",
            ),
            "es": (
                "¿Qué pregunta sobre este material te sigue dando vueltas después de lo que "
                "has probado hasta ahora?",
            ),
        },
    ),
    Template(
        "mentoring",
        {"en": N_("Mentoring"), "es": "Mentoría"},
        {
            "en": N_("Let more experienced learners guide the newer ones."),
            "es": "Que quien tiene más experiencia guíe a quien empieza.",
        },
        {
            "en": (
                "What advice would you give someone applying this for the first time, based "
                "on what you wish someone had told you?",
                "Looking back on your own experience, how would you help a newcomer avoid "
                "the mistakes you made with this?",
            ),
            "es": (
                "¿Qué consejo le darías a alguien que aplica esto por primera vez, a partir "
                "de lo que te habría gustado que te dijeran a ti?",
                "Pensando en tu propia experiencia, ¿cómo ayudarías a alguien nuevo a evitar "
                "los errores que cometiste con esto?",
            ),
        },
    ),
    Template(
        "co_learning",
        {"en": N_("Co-learning"), "es": "Aprender juntos"},
        {
            "en": N_("Make sense of new material together, building on each other's ideas."),
            "es": "Dar sentido juntos a un material nuevo, a partir de las ideas de los demás.",
        },
        {
            "en": (
                "How would you explain the main idea of this reading to a colleague who doubts it?",
            ),
            "es": (
                "¿Cómo le explicarías la idea principal de esta lectura a un colega que "
                "duda de ella?",
            ),
        },
    ),
    Template(
        "joint_effort",
        {"en": N_("Joint effort"), "es": "Trabajo conjunto"},
        {
            "en": N_("Work towards something the group makes or decides together."),
            "es": "Avanzar hacia algo que el grupo crea o decide en común.",
        },
        {
            "en": (
                "What would you add to our shared list of lessons learned from this case, and why?",
                "How would you divide this problem so that each of us can take a part of it?",
            ),
            "es": (
                "¿Qué añadirías a nuestra lista común de lecciones aprendidas de este caso, "
                "y por qué?",
                "¿Cómo dividirías este problema para que cada uno se ocupe de una parte?",
            ),
        },
    ),
)

BY_KIND: dict[str, Template] = {template.kind: template for template in TEMPLATES}


def prompt(kind: str, number: int, language: str) -> str | None:
    """The ``number``-th (from 0) prompt of template ``kind`` in ``language``; None if none."""
    template = BY_KIND.get(kind)
    if template is None:
        return None
    prompts = template.prompts_in(language)
    return prompts[number] if 0 <= number < len(prompts) else None
