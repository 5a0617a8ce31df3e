"""The staff's test-score form, validated into plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from werkzeug.datastructures import MultiDict

from lti_tool.errors import N_, UserFacingError


@dataclass(frozen=True)
class TestScoreForm:
    user_sub: str
    score: float
    #: What the score is out of: the placement's score maximum.
    maximum: float
    #: Out of this when the placement sets none.
    default_maximum: ClassVar[float] = 10.0

    @classmethod
    def parse(cls, form: MultiDict[str, str], *, maximum: float) -> TestScoreForm:
        user_sub = form.get("user_id", "").strip()
        if not user_sub:
            raise UserFacingError(
                N_("Choose the learner to send a score for."), code="score_no_user"
            )
        message = N_("The score must be a number from 0 to %(maximum)s.")
        params = {"maximum": f"{maximum:g}"}
        try:
            score = float(form.get("score", ""))
        except ValueError:
            raise UserFacingError(message, code="score_bad", params=params) from None
        if not 0 <= score <= maximum:
            raise UserFacingError(message, code="score_bad", params=params)
        return cls(user_sub=user_sub, score=score, maximum=maximum)
