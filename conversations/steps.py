"""The steps of preparing a conversation, per kind of conversation.

A step groups a few autosaving text fields (keys start with ``prep_``) and
may have one special part: the questions from the library, the parents'
likely needs, who joins the conversation, the agenda, or the parents' private
links to the questionnaire. A welbevindengesprek is about the relationship; a
concern asks for observations and the child's own view first; an informal
contact needs one short step.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from conversations.fields import TextField, register
from conversations.models import Kind, Need

if TYPE_CHECKING:
    from django.utils.functional import Promise


QUESTIONS = "questions"
PARENT_NEEDS = "parent_needs"
AGENDA = "agenda"
DETAILS = "details"
PARENT_LINKS = "parent_links"


@dataclasses.dataclass(frozen=True)
class Step:
    slug: str
    title: str | Promise
    intro: str | Promise
    fields: tuple[TextField, ...] = ()
    kinds: frozenset[str] = frozenset(Kind.values)
    special: str = ""

    @property
    def keys(self) -> list[str]:
        return [field.key for field in self.fields]


@dataclasses.dataclass(frozen=True)
class ParentNeed:
    """A need the parents are likely to have, with a way to meet it."""

    key: str
    label: str | Promise
    approach: str | Promise


GOING_WELL = TextField(
    "prep_going_well",
    _("What goes well? What do I appreciate in this child?"),
    _("Be concrete: a moment this week, something the child is proud of. You open with this."),
    rows=4,
)
LEARN_AT_HOME = TextField(
    "prep_learn_at_home",
    _("What would I like to learn about the child at home?"),
    _(
        "The parents know their child best. Think of habits, what the child enjoys, "
        "what comforts the child, what the family finds important."
    ),
    rows=3,
)
NEED_FROM_PARENTS = TextField(
    "prep_need_from_parents",
    _("What do I need from the parents?"),
    _("Information, tips that work at home, help with something specific."),
    rows=3,
)
CAN_OFFER = TextField(
    "prep_can_offer",
    _("What can I offer?"),
    _("How and when they can reach me, what I do in the group, how I keep them informed."),
    rows=3,
)
CANNOT_MEET = TextField(
    "prep_cannot_meet",
    _("Which expectations can I not meet?"),
    _("Say so early in the conversation, kindly and clearly. That prevents disappointment later."),
    rows=2,
)
PARENT_NEEDS_NOTE = TextField(
    "prep_parent_needs_note",
    _("What else do I keep in mind for these parents?"),
    _("Practical things and what you know from earlier contact. No judgements."),
    rows=3,
)
OBSERVATIONS = TextField(
    "prep_observations",
    _("What did I see, and when?"),
    _(
        "Describe, do not judge. Not: “Sam is aggressive.” But: “On 3 and 5 March Sam "
        "pushed a classmate at the coat rack when it was busy.” Add the dates."
    ),
    rows=6,
)
TRIED = TextField(
    "prep_tried",
    _("What have we tried already, and what did it do?"),
    rows=3,
)
CHILD_RECOGNISES = TextField(
    "prep_child_recognises",
    _("Does the child recognise it? In the child's own words:"),
    rows=3,
)
CHILD_WOULD_HELP = TextField(
    "prep_child_would_help",
    _("What does the child think would help?"),
    rows=2,
)
CHILD_NEEDS_FROM_ME = TextField(
    "prep_child_needs_from_me",
    _("What does the child need from me?"),
    rows=2,
)
DECIDE_TOGETHER = TextField(
    "prep_decide_together",
    _("Which decisions do we take together?"),
    _(
        "Think of goals, the kind of support and how we check progress. Ask the parents "
        "what they find important before you propose anything."
    ),
    rows=4,
)
LEARNING = TextField(
    "prep_learning",
    _("Learning: what progress do I see, and what is the next step?"),
    rows=4,
)
WELLBEING = TextField(
    "prep_wellbeing",
    _("Well-being: how does the child feel in the group and with others?"),
    rows=4,
)
INFORMAL_SHARE = TextField(
    "prep_informal_share",
    _("What nice thing do I want to tell?"),
    _("Something small from today is enough."),
    rows=2,
)
INFORMAL_ASK = TextField(
    "prep_informal_ask",
    _("What do I want to ask or hear?"),
    rows=2,
)

register(
    GOING_WELL,
    LEARN_AT_HOME,
    NEED_FROM_PARENTS,
    CAN_OFFER,
    CANNOT_MEET,
    PARENT_NEEDS_NOTE,
    OBSERVATIONS,
    TRIED,
    CHILD_RECOGNISES,
    CHILD_WOULD_HELP,
    CHILD_NEEDS_FROM_ME,
    DECIDE_TOGETHER,
    LEARNING,
    WELLBEING,
    INFORMAL_SHARE,
    INFORMAL_ASK,
)


FORMAL = frozenset({Kind.WELLBEING, Kind.PROGRESS, Kind.CONCERN, Kind.SUPPORT_PLAN})
CONCERNS = frozenset({Kind.CONCERN, Kind.SUPPORT_PLAN})

# In the order they are taken; each kind shows the steps that fit it.
STEPS: tuple[Step, ...] = (
    Step(
        "wat-gaat-goed",
        _("What goes well"),
        _(
            "Start with the child. What you appreciate is how you open the conversation, "
            "and the parents are the experts on the child at home."
        ),
        (GOING_WELL, LEARN_AT_HOME),
        kinds=frozenset({Kind.WELLBEING, *CONCERNS}),
    ),
    Step(
        "voortgang",
        _("Learning and well-being"),
        _(
            "A child is both a learner and a person. Give both a place, and start with "
            "something that goes well."
        ),
        (GOING_WELL, LEARNING, WELLBEING),
        kinds=frozenset({Kind.PROGRESS}),
    ),
    Step(
        "kort",
        _("In short"),
        _("A few words at drop-off or pick-up build the bond. Keep it light and positive."),
        (INFORMAL_SHARE, INFORMAL_ASK),
        kinds=frozenset({Kind.INFORMAL}),
    ),
    # Early, so the parents have time to answer before the meeting.
    Step(
        "ouders-vooraf",
        _("Parents beforehand"),
        _(
            "Send each parent a private link to a few short questions, in their own "
            "language. Their answers and the topics they choose appear here and on the agenda."
        ),
        kinds=FORMAL,
        special=PARENT_LINKS,
    ),
    Step(
        "observaties",
        _("Observations"),
        _(
            "Write down what you saw and heard, with dates. Facts leave room for the parents' "
            "view; a verdict makes them defend their child."
        ),
        (OBSERVATIONS, TRIED),
        kinds=CONCERNS,
    ),
    Step(
        "kind-vooraf",
        _("The child first"),
        _(
            "Talk with the child before you talk with the parents. Bring the child's view "
            "into the conversation, or invite the child to take part."
        ),
        (CHILD_RECOGNISES, CHILD_WOULD_HELP, CHILD_NEEDS_FROM_ME),
        kinds=CONCERNS,
    ),
    Step(
        "samen-beslissen",
        _("Deciding together"),
        _(
            "The parents decide with you about the plan for their child; they do not just "
            "hear about it."
        ),
        (DECIDE_TOGETHER,),
        kinds=frozenset({Kind.SUPPORT_PLAN}),
    ),
    Step(
        "vragen",
        _("Questions"),
        _(
            "Choose a few questions that fit these parents, and add your own. Good questions "
            "invite the parents to tell, so they talk at least as much as you do."
        ),
        kinds=FORMAL,
        special=QUESTIONS,
    ),
    Step(
        "nodig-en-bieden",
        _("What I need and can offer"),
        _("Working together goes both ways. Be clear about what you ask and what you give."),
        (NEED_FROM_PARENTS, CAN_OFFER, CANNOT_MEET),
        kinds=frozenset({Kind.WELLBEING, *CONCERNS}),
    ),
    Step(
        "ouders",
        _("What the parents need"),
        _(
            "Which of these may apply to these parents? Tick them to see an approach that "
            "helps. When in doubt, ask the parents."
        ),
        (PARENT_NEEDS_NOTE,),
        kinds=FORMAL,
        special=PARENT_NEEDS,
    ),
    Step(
        "wie-doet-mee",
        _("Who joins"),
        _("Decide who takes part, so the parents know whom they will meet."),
        kinds=CONCERNS,
        special=DETAILS,
    ),
    Step(
        "agenda",
        _("Agenda"),
        _(
            "The parents' topics come first, then yours. Give each topic a few minutes and "
            "keep time at the end for agreements."
        ),
        kinds=FORMAL,
        special=AGENDA,
    ),
)


def steps_for(kind: str) -> list[Step]:
    return [step for step in STEPS if kind in step.kinds]


def step_for(kind: str, slug: str) -> Step | None:
    return next((step for step in steps_for(kind) if step.slug == slug), None)


PARENT_NEEDS_CHOICES: tuple[ParentNeed, ...] = (
    ParentNeed(
        "first_contact",
        _("This is our first real contact"),
        _(
            "Take time to get to know each other before anything else. Tell a little about "
            "yourself and the group, and ask about the child at home."
        ),
    ),
    ParentNeed(
        "language",
        _("Dutch is hard for the parents, or they want an interpreter"),
        _(
            "Arrange an interpreter in good time, never the child. Use short sentences, one "
            "topic at a time, and check now and then that you understand each other. "
            "Put the agreements on paper in plain words."
        ),
    ),
    ParentNeed(
        "may_feel_judged",
        _("The parents may feel judged"),
        _(
            "Open with what goes well and what you appreciate. Describe what you saw instead "
            "of giving a verdict, and ask whether they recognise it. Say that you need their "
            "knowledge of their child."
        ),
    ),
    ParentNeed(
        "separated",
        _("The parents live apart"),
        _(
            "Check who has parental authority and make sure both parents are invited and "
            "get the summary. Offer separate conversations when one together would be tense. "
            "Keep the focus on the child, and do not take sides."
        ),
    ),
    ParentNeed(
        "busy",
        _("The parents have little time"),
        _(
            "Offer a choice of times, including a phone or video call. Send the topics "
            "beforehand and keep to the time. Little time does not mean little involvement."
        ),
    ),
    ParentNeed(
        "new_to_system",
        _("The parents are new to how school or childcare works here"),
        _(
            "Explain briefly how the group works and what you expect, without jargon. Ask "
            "what they are used to, and tell them whom they can go to with questions."
        ),
    ),
    ParentNeed(
        "quiet",
        _("The parents are quiet or shy"),
        _(
            "Ask open questions and allow silences. Start with what they see at home: there "
            "they are the experts."
        ),
    ),
    ParentNeed(
        "outspoken",
        _("The parents may be outspoken or angry"),
        _(
            "Listen first: it is their child. Lead the conversation firmly but kindly and "
            "keep to the agenda. Anger is allowed, intimidation is not: you may end the "
            "conversation calmly and plan a new one. Agree with a colleague beforehand "
            "who is nearby."
        ),
    ),
)

PARENT_NEED_KEYS = tuple(need.key for need in PARENT_NEEDS_CHOICES)

# What each basic need means for a parent, shown beside the library's questions.
NEED_HINTS = {
    Need.RELATEDNESS: _("feeling seen, heard and welcome"),
    Need.COMPETENCE: _("knowing what is expected and how to help"),
    Need.AUTONOMY: _("raising their child in their own way"),
}
