"""Role normalisation: every spelling platforms use becomes one short name."""

from __future__ import annotations

import pytest

from lti_tool.lti.roles import normalise_role, normalise_roles

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("role", "short"),
    [
        (LIS + "membership#Instructor", "Instructor"),
        (LIS + "membership#Learner", "Learner"),
        (LIS + "membership#ContentDeveloper", "ContentDeveloper"),
        (LIS + "membership#Administrator", "Administrator"),
        (LIS + "membership#Mentor", "Mentor"),
        (LIS + "membership/Instructor#TeachingAssistant", "TeachingAssistant"),
        (LIS + "membership/Instructor#Lecturer", "Instructor"),
        (LIS + "membership/Learner#Learner", "Learner"),
        (LIS + "institution/person#Administrator", "Administrator"),
        (LIS + "system/person#Administrator", "Administrator"),
        ("urn:lti:role:ims/lis/Instructor", "Instructor"),
        ("urn:lti:role:ims/lis/Instructor/TeachingAssistant", "TeachingAssistant"),
        ("urn:lti:instrole:ims/lis/Administrator", "Administrator"),
        # Moodle's NRPS answers with short names.
        ("Instructor", "Instructor"),
        ("Learner", "Learner"),
        ("TeachingAssistant", "TeachingAssistant"),
        ("ContentDeveloper", "ContentDeveloper"),
        ("Instructor#TeachingAssistant", "TeachingAssistant"),
        ("  Learner ", "Learner"),
    ],
)
def test_known_forms_normalise_to_short_names(role: str, short: str) -> None:
    assert normalise_role(role) == short


@pytest.mark.parametrize(
    "role",
    [
        LIS + "institution/person#Student",
        LIS + "institution/person#Faculty",  # faculty of the school, not staff of this course
        LIS + "system/person#User",
        "http://purl.imsglobal.org/vocab/lti/system/person#TestUser",
        "urn:lti:instrole:ims/lis/Student",
        LIS + "membership#NotARole",
        LIS + "membership",
        "Student",
        "",
        "https://example.test/roles#Instructor",
    ],
)
def test_roles_that_say_nothing_about_the_course_are_dropped(role: str) -> None:
    assert normalise_role(role) is None


def test_roles_are_deduplicated_in_first_seen_order() -> None:
    roles = normalise_roles(
        [
            LIS + "membership#Learner",
            "Instructor",
            LIS + "membership#Instructor",
            LIS + "institution/person#Student",
            "Learner",
        ]
    )
    assert roles == ("Learner", "Instructor")


def test_non_string_roles_are_ignored() -> None:
    assert normalise_roles(["Learner", 7, None, {"x": 1}]) == ("Learner",)  # type: ignore[list-item]
