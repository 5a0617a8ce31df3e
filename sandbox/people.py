"""The sandbox's one course and its people (fixed: the sandbox is for trying things out)."""

from __future__ import annotations

from dataclasses import dataclass

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"

#: Mixed case on purpose: a tool that lowercases paging URLs gets a 404 from the roster.
COURSE_ID = "Sandbox-101"
COURSE_TITLE = "Sandbox 101"
COURSE_LABEL = "SBX101"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    given_name: str
    family_name: str
    email: str
    role: str  # short LIS context role name

    @property
    def role_uri(self) -> str:
        return LIS + self.role

    @property
    def is_instructor(self) -> bool:
        return self.role == "Instructor"


INSTRUCTOR = Person(
    "sbx-instructor-ada", "Ada Lovelace", "Ada", "Lovelace", "ada@sandbox.invalid", "Instructor"
)


def _learner(given: str, family: str) -> Person:
    slug = given.lower().replace("é", "e")
    return Person(
        f"sbx-learner-{slug}",
        f"{given} {family}",
        given,
        family,
        f"{slug}@sandbox.invalid",
        "Learner",
    )


LEARNERS = (
    _learner("Ben", "Okafor"),
    _learner("Chloé", "Martin"),
    _learner("Dev", "Patel"),
    _learner("Emi", "Tanaka"),
    _learner("Farah", "Haddad"),
)
PEOPLE = (INSTRUCTOR, *LEARNERS)
BY_ID = {person.user_id: person for person in PEOPLE}
