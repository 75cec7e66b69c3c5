"""The questions parents answer before the conversation.

Eight short questions, about three minutes on a phone. Most are choices, so
that a professional can read the answers whatever language the parent used;
each free-text box is optional, and the language it was written in is kept.
Every text here is parent-facing: plain language (B1), translated into each
of settings.PARENT_LANGUAGES. The answers are stored as option keys
(conversations.models.QuestionnaireAnswer), so a label can be reworded or
translated without changing what a parent answered.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

# Kinds of question.
SCALE = "scale"  # one choice on a short scale
MULTI = "multi"  # any number of choices, and optional free text
RANKED = "ranked"  # up to `max_choices` choices in order of importance, and an own topic
INTERPRETER = "interpreter"  # "no", or the language an interpreter should speak
TEXT = "text"  # free text only

# The interpreter question stores "no" or a code of families.languages.Language.
NO_INTERPRETER = "no"


@dataclasses.dataclass(frozen=True)
class Option:
    key: str
    label: str | Promise
    # For the topics: how the topic reads as an agenda item for the professional.
    agenda_title: str | Promise = ""


@dataclasses.dataclass(frozen=True)
class Question:
    key: str
    kind: str
    title: str | Promise
    help: str | Promise = ""
    options: tuple[Option, ...] = ()
    # The label of the optional free-text box; empty when there is none.
    text_label: str | Promise = ""
    max_choices: int | None = None
    # An option that cannot be combined with the others ("nothing at the moment").
    exclusive: str = ""

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


TOPICS = (
    Option(
        "wellbeing", _("How my child feels in the group"), _("How the child feels in the group")
    ),
    Option("friends", _("Friends and playing together"), _("Friends and playing together")),
    Option("learning", _("Learning and development"), _("Learning and development")),
    Option(
        "language",
        _("Language: Dutch and our home language"),
        _("Language: Dutch and the home language"),
    ),
    Option("behaviour", _("Behaviour"), _("Behaviour")),
    Option(
        "routines",
        _("Eating, sleeping or going to the toilet"),
        _("Eating, sleeping or going to the toilet"),
    ),
    Option("home", _("How things are going at home"), _("How things are going at home")),
    Option(
        "how_it_works",
        _("How the school or childcare works"),
        _("How the school or childcare works"),
    ),
    Option("health", _("Health or care"), _("Health or care")),
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "feeling",
        SCALE,
        _("How does your child feel in the group at the moment, do you think?"),
        _("Choose one answer."),
        (
            Option("very_good", _("Very good")),
            Option("good", _("Good")),
            Option("not_so_good", _("Not so good")),
            Option("bad", _("Not good")),
            Option("dont_know", _("I don't know yet")),
        ),
    ),
    Question(
        "happy_safe",
        MULTI,
        _("What helps your child to feel happy and safe?"),
        _("Choose as many as you like."),
        (
            Option("familiar_face", _("A familiar person who says hello")),
            Option("routine", _("Knowing what will happen during the day")),
            Option("time", _("Time to get used to new things")),
            Option("friends", _("Friends to play with")),
            Option("quiet", _("A quiet place to rest")),
            Option("moving", _("Lots of moving and playing outside")),
            Option("praise", _("Hearing what they do well")),
            Option("comfort_object", _("Something from home, like a cuddly toy")),
            Option("clear_rules", _("Clear rules")),
        ),
        text_label=_("Anything else? You may write in your own language."),
    ),
    Question(
        "at_home",
        MULTI,
        _("What does your child like to do at home? What is your child good at?"),
        _("You know your child best. Choose as many as you like."),
        (
            Option("outside", _("Playing outside")),
            Option("drawing", _("Drawing and making things")),
            Option("music", _("Music, singing or dancing")),
            Option("building", _("Building, for example with blocks")),
            Option("books", _("Books and stories")),
            Option("sports", _("Sports")),
            Option("pretend", _("Pretend play")),
            Option("games", _("Games and puzzles")),
            Option("animals", _("Animals and nature")),
            Option("helping", _("Helping at home")),
        ),
        text_label=_("Tell us more, if you like. You may write in your own language."),
    ),
    Question(
        "topics",
        RANKED,
        _("What would you like to talk about?"),
        _("Choose up to three topics. Put the most important one first."),
        TOPICS,
        text_label=_("Another topic"),
        max_choices=3,
    ),
    Question(
        "support",
        MULTI,
        _("How can we help you?"),
        _("Choose as many as you like."),
        (
            Option("explain", _("Explain how the group or school works")),
            Option("tips", _("Tips to help my child at home")),
            Option("simple_language", _("Messages in simple Dutch or in my language")),
            Option("updates", _("Short updates about how my child is doing")),
            Option("contact_person", _("Knowing whom I can ask when I have a question")),
            Option("other_parents", _("Meeting other parents")),
            Option("nothing", _("Nothing at the moment")),
        ),
        exclusive="nothing",
    ),
    Question(
        "involvement",
        MULTI,
        _("Would you like to take part in something at the group or school?"),
        _(
            "This is up to you: you do not have to. Many parents help their child at "
            "home, and that counts too."
        ),
        (
            Option("outings", _("Coming along on a trip")),
            Option("share", _("Telling the children about our culture, work or hobby")),
            Option("activities", _("Helping with reading, cooking or crafts")),
            Option("committee", _("Joining the parents' committee or council")),
            Option("not_now", _("Not now")),
        ),
        exclusive="not_now",
    ),
    Question(
        "interpreter",
        INTERPRETER,
        _("Would you like an interpreter at the conversation?"),
        _("We will try to arrange one. The conversation then takes a little longer."),
        text_label=_("Which language? Only if it is not in the list."),
    ),
    Question(
        "anything_else",
        TEXT,
        _("Is there anything else we should know?"),
        _(
            "For example about your family, your child's health, or something that "
            "happened. You may write in your own language."
        ),
        text_label=_("Your message"),
    ),
)

# Whether the parents would like an interpreter, and for which language.
INTERPRETER_QUESTION = next(question for question in QUESTIONS if question.kind == INTERPRETER)

BY_KEY: dict[str, Question] = {question.key: question for question in QUESTIONS}
