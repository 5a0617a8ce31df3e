"""One spec per interaction: the single source of truth the builders follow and the xAPI
Profile's statement templates are generated from."""

from __future__ import annotations

from dataclasses import dataclass

from xapi import vocabulary as v

PLACEMENTS = tuple(v.PLACEMENT_TYPES.values())
POSTS = (v.THREAD, v.MESSAGE, v.REPLY, v.QUESTION)
WRITTEN = (v.WORD_COUNT,)  # result extensions of anything with written text
ABOUT_A_POST = (v.POST_AUTHOR,)  # context extensions of acts on someone's post


@dataclass(frozen=True)
class Interaction:
    name: str  # builder name and template slug
    label: str
    definition: str
    verb: v.Verb
    object_types: tuple[v.ActivityType, ...]
    response: bool = False  # result.response carries text people wrote (unless text is off)
    result_extensions: tuple[v.Extension, ...] = ()
    context_extensions: tuple[v.Extension, ...] = ()
    staff: bool = False  # done by staff: the actor is also context.instructor
    needs_parent: bool = False  # context.contextActivities.parent is the post it answers
    scored: bool = False  # result.score (raw, max, scaled) is the score given

    def template_iri(self, object_type: v.ActivityType) -> str:
        """One statement template per object type (a template has one objectActivityType);
        an interaction with one type keeps the plain name."""
        base = f"{v.PROFILE_VERSION_IRI}/templates/{self.name.replace('_', '-')}"
        if object_type not in self.object_types:
            raise ValueError(f"{self.name} has no template for {object_type.iri}")
        return base if len(self.object_types) == 1 else f"{base}/{object_type.slug}"


def _spec(
    name: str,
    label: str,
    definition: str,
    verb: v.Verb,
    *types: v.ActivityType,
    response: bool = False,
    result_extensions: tuple[v.Extension, ...] = (),
    context_extensions: tuple[v.Extension, ...] = (),
    staff: bool = False,
    needs_parent: bool = False,
    scored: bool = False,
) -> Interaction:
    return Interaction(
        name, label, definition, verb, types, response, result_extensions, context_extensions,
        staff, needs_parent, scored,
    )  # fmt: skip


LAUNCHED = _spec("launched", "Launched", "A user opened an activity from the LMS.",
                 v.LAUNCHED, *PLACEMENTS)  # fmt: skip
INITIALIZED = _spec("initialized", "Initialized", "A session in an activity started.",
                    v.INITIALIZED, *PLACEMENTS)  # fmt: skip
TERMINATED = _spec("terminated", "Terminated", "A session in an activity ended.",
                   v.TERMINATED, *PLACEMENTS)  # fmt: skip
VIEWED = _spec("viewed", "Viewed", "A user looked at an activity, thread or post.",
               v.VIEWED, *PLACEMENTS, *POSTS)  # fmt: skip
PLACEMENT_SHARED = _spec(
    "placement_shared",
    "Placement shared",
    "An instructor placed an activity in a course by LTI Deep Linking.",
    v.SHARED,
    *PLACEMENTS,
    staff=True,
)
REFLECTION_ANSWERED = _spec(
    "reflection_answered",
    "Reflection answered",
    "A learner wrote a reflection on a prompt; the reflection post is the post extension.",
    v.ANSWERED,
    v.INTERACTION,
    response=True,
    result_extensions=WRITTEN,
    context_extensions=(v.POST, v.ANONYMOUS_TO_PEERS),
)
POSTED = _spec("posted", "Posted", "A user posted in a discussion or a cohort space.",
               v.POSTED, v.MESSAGE, v.THREAD, response=True, result_extensions=WRITTEN,
               context_extensions=(v.ANONYMOUS_TO_PEERS,))  # fmt: skip
REPLIED = _spec("replied", "Replied", "A user replied; the post answered is the parent.",
                v.REPLIED, v.REPLY, response=True, result_extensions=WRITTEN,
                context_extensions=(v.ANONYMOUS_TO_PEERS, *ABOUT_A_POST),
                needs_parent=True)  # fmt: skip
EDITED = _spec("edited", "Edited", "A user changed the text of their post.",
               v.EDITED, *POSTS, response=True, result_extensions=WRITTEN)  # fmt: skip
DELETED = _spec("deleted", "Deleted", "A post was removed by its author or staff.",
                v.DELETED, *POSTS, context_extensions=ABOUT_A_POST)  # fmt: skip
REACTED = _spec("reacted", "Reacted", "A user reacted to a peer's post.",
                v.REACTED, *POSTS, result_extensions=(v.REACTION_KIND,),
                context_extensions=ABOUT_A_POST)  # fmt: skip
ASKED = _spec("asked", "Asked", "A user asked a question in Q&A mode.",
              v.ASKED, v.QUESTION, response=True, result_extensions=WRITTEN,
              context_extensions=(v.ANONYMOUS_TO_PEERS,))  # fmt: skip
ANSWERED = _spec(
    "answered",
    "Answered",
    "A user answered a question; the answer post is the post extension.",
    v.ANSWERED,
    v.QUESTION,
    response=True,
    result_extensions=WRITTEN,
    context_extensions=(v.POST, v.ANONYMOUS_TO_PEERS, *ABOUT_A_POST),
)
ACCEPTED_ANSWER = _spec(
    "accepted_answer",
    "Accepted answer",
    "The asker or staff accepted an answer; the question is the parent.",
    v.ACCEPTED,
    v.REPLY,
    context_extensions=ABOUT_A_POST,
    needs_parent=True,
)
ENDORSED = _spec("endorsed", "Endorsed", "Staff endorsed an answer or post.",
                 v.ENDORSED, *POSTS, context_extensions=ABOUT_A_POST, staff=True)  # fmt: skip
FLAGGED = _spec("flagged", "Flagged", "A user flagged a post for moderators.",
                v.FLAGGED, *POSTS, result_extensions=(v.FLAG_REASON,),
                context_extensions=ABOUT_A_POST)  # fmt: skip
HID = _spec("hid", "Hid", "A moderator hid a post from learners.",
            v.HID, *POSTS, context_extensions=ABOUT_A_POST, staff=True)  # fmt: skip
PINNED = _spec("pinned", "Pinned", "Staff pinned a thread or post.",
               v.PINNED, *POSTS, staff=True)  # fmt: skip
REDIRECTED = _spec(
    "redirected",
    "Redirected",
    "A moderator sent the author a private correction; the correction is result.response.",
    v.REDIRECTED,
    *POSTS,
    response=True,
    result_extensions=WRITTEN,
    context_extensions=ABOUT_A_POST,
    staff=True,
)
RECOGNISED = _spec("recognised", "Recognised", "Staff recognised a contribution.",
                   v.RECOGNISED, *POSTS, result_extensions=(v.RECOGNITION_KIND,),
                   context_extensions=ABOUT_A_POST, staff=True)  # fmt: skip
LOCKED = _spec("locked", "Locked", "Staff closed a thread or an activity to new posts.",
               v.LOCKED, v.THREAD, *PLACEMENTS, staff=True)  # fmt: skip
UNLOCKED = _spec("unlocked", "Unlocked", "Staff reopened a thread or an activity.",
                 v.UNLOCKED, v.THREAD, *PLACEMENTS, staff=True)  # fmt: skip
RELEASED = _spec("released", "Released", "Staff released peers' reflections to learners.",
                 v.RELEASED, *PLACEMENTS, staff=True)  # fmt: skip
# The cohort round is a common extension (sent whenever the cohort has a round), not repeated.
JOINED_COHORT = _spec("joined_cohort", "Joined cohort", "A learner joined a cohort.",
                      v.JOINED, v.COHORT)  # fmt: skip
LEFT_COHORT = _spec("left_cohort", "Left cohort", "A learner left a cohort.",
                    v.LEFT, v.COHORT)  # fmt: skip
COMPLETED = _spec("completed", "Completed",
                  "A learner met the participation rule of an activity.",
                  v.COMPLETED, *PLACEMENTS)  # fmt: skip
MENTIONED = _spec("mentioned", "Mentioned", "A user mentioned a person in a post.",
                  v.MENTIONED, *POSTS, context_extensions=(v.MENTIONED_PERSON,))  # fmt: skip
UNREACTED = _spec("unreacted", "Unreacted", "A user took back a reaction to a peer's post.",
                  v.UNREACTED, *POSTS, result_extensions=(v.REACTION_KIND,),
                  context_extensions=ABOUT_A_POST)  # fmt: skip
REPLIED_PRIVATELY = _spec(
    "replied_privately",
    "Replied privately",
    "Staff replied to a post for its author only; the post answered is the parent.",
    v.REPLIED_PRIVATELY,
    v.REPLY,
    response=True,
    result_extensions=WRITTEN,
    context_extensions=ABOUT_A_POST,
    staff=True,
)
NUDGED = _spec("nudged", "Nudged", "Staff left a learner a note for their next launch.",
               v.NUDGED, *PLACEMENTS, context_extensions=(v.LEARNER,), staff=True)  # fmt: skip
RATED_CONTENT = _spec(
    "rated_content",
    "Rated content",
    "A learner rated how useful the content the activity follows was (the rating extension).",
    v.RATED,
    *PLACEMENTS,
    result_extensions=(v.RATING,),
)
# The actor is the learner scored (the tool, not a person, sent it): once per score the LMS
# accepted, so the LRS holds what the gradebook got and when.
SCORE_SENT = _spec(
    "score_sent",
    "Score sent",
    "A learner's participation score for an activity was accepted by the LMS gradebook; "
    "result.completion is true when it is full marks.",
    v.SCORED,
    *PLACEMENTS,
    scored=True,
)

INTERACTIONS: tuple[Interaction, ...] = (
    LAUNCHED, INITIALIZED, TERMINATED, VIEWED, PLACEMENT_SHARED, REFLECTION_ANSWERED, POSTED,
    REPLIED, EDITED, DELETED, REACTED, ASKED, ANSWERED, ACCEPTED_ANSWER, ENDORSED, FLAGGED, HID,
    PINNED, REDIRECTED, RECOGNISED, LOCKED, UNLOCKED, RELEASED, JOINED_COHORT, LEFT_COHORT,
    COMPLETED, MENTIONED, UNREACTED, REPLIED_PRIVATELY, NUDGED, RATED_CONTENT, SCORE_SENT,
)  # fmt: skip

# Extensions a statement may lack even when its interaction declares them (the profile says
# "recommended" for these, "included" for the rest).
OPTIONAL_EXTENSIONS = frozenset(
    {v.POST_AUTHOR, v.FLAG_REASON, v.COHORT_ROUND, v.LTI_RESOURCE_LINK_ID}
)

# Extensions every statement may carry, whatever the interaction.
COMMON_CONTEXT_EXTENSIONS = (v.LTI_DEPLOYMENT_ID, v.LTI_CONTEXT_ID, v.LTI_RESOURCE_LINK_ID,
                             v.PLACEMENT_KEY, v.COHORT_ROUND)  # fmt: skip
