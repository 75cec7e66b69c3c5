"""A conversation record with every kind of row the AVG features deal with:
texts (preparation, agenda notes, summary and its shared copy, the parents'
view), a library question and an own question, agenda topics (a library
topic of the parents, a parent's own topic, the professional's), an
agreement, an informal contact, a parent link with answers and a reply to the
summary, and a coordinator's comment.

Every free text carries `marker`, so a test can look for it anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone, translation

from conversations import parent_links
from conversations.models import (
    AgendaItem,
    Agreement,
    Contact,
    Conversation,
    ParentLink,
    Prompt,
    QuestionnaireAnswer,
    ReviewComment,
)
from conversations.questionnaire import BY_KEY
from conversations.services import chosen_prompt_copy, chosen_prompt_write, text_save
from families.privacy import PARENT_VIEW_KEY


@dataclasses.dataclass
class FullRecord:
    conversation: Conversation
    link: ParentLink
    library_topic: AgendaItem
    own_topic: AgendaItem
    professional_topic: AgendaItem
    agreement: Agreement
    contact: Contact


def library_topic_title(key: str) -> str:
    with translation.override("nl"):
        return str(BY_KEY["topics"].option(key).agenda_title)


def make_full_record(conversation: Conversation, teacher, coordinator, marker: str) -> FullRecord:
    child = conversation.child
    guardian = child.family.guardians.order_by("pk").first()
    conversation.date = dt.date(2026, 9, 15)
    conversation.place = f"Lokaal 3 {marker}"
    conversation.other_participants = f"Juf Anja {marker}"
    conversation.parent_relatedness = 3
    conversation.own_competence = 2
    conversation.status = Conversation.Status.HELD
    conversation.save()

    link = parent_links.link_create(conversation=conversation, guardian=guardian, user=teacher)
    library_topic = AgendaItem.objects.create(
        conversation=conversation,
        title=library_topic_title("friends"),
        source=AgendaItem.Source.PARENT,
        topic="friends",
        position=0,
    )
    own_topic = AgendaItem.objects.create(
        conversation=conversation,
        title=f"Ruzie met de buurjongen {marker}",
        source=AgendaItem.Source.PARENT,
        topic=f"own-{link.pk}",
        position=1,
    )
    professional_topic = AgendaItem.objects.create(
        conversation=conversation,
        title=f"Zindelijkheid {marker}",
        source=AgendaItem.Source.PROFESSIONAL,
        position=2,
    )
    texts = {
        "prep_going_well": f"Bouwt prachtige torens {marker}",
        "meeting_notes": f"Vader werkt in ploegendienst {marker}",
        library_topic.notes_key: f"Speelt vooral met Sem {marker}",
        "summary": f"Fijn gesprek over Emre {marker}",
        "reflection_note": f"Meer vragen stellen {marker}",
        PARENT_VIEW_KEY: f"Wij zien Emre thuis als heel rustig {marker}",
    }
    for key, text in texts.items():
        text_save(conversation=conversation, key=key, text=text, base_version=0, user=teacher)
    conversation.texts.create(key="summary_as_shared", text=texts["summary"], version=1)

    prompt = Prompt.objects.create(
        need="relatedness", audience="parent", phase="open", text_nl="Wat maakt uw kind blij?"
    )
    chosen_prompt_copy(conversation=conversation, prompt=prompt)
    chosen_prompt_write(
        conversation=conversation,
        text=f"Hoe slaapt Emre? {marker}",
        audience="parent",
        need="competence",
    )
    agreement = Agreement.objects.create(
        conversation=conversation,
        who=Agreement.Who.PARENT,
        who_name=f"Ayşe {marker}",
        what=f"Elke avond samen lezen {marker}",
        due_on=dt.date(2026, 10, 15),
        check_how=f"Over vier weken bellen {marker}",
        status=Agreement.Status.DONE,
        status_note=f"Gaat goed {marker}",
    )
    contact = Contact.objects.create(
        child=child,
        author=teacher,
        channel=Contact.Channel.DROP_OFF_PICK_UP,
        tone=Contact.Tone.POSITIVE,
        note=f"Vertelde over de nieuwe puppy {marker}",
        school_year=conversation.school_year,
    )
    QuestionnaireAnswer.objects.create(link=link, question="feeling", choices=["very_good"])
    QuestionnaireAnswer.objects.create(
        link=link,
        question="topics",
        choices=["friends", "learning"],
        text=f"Ruzie met de buurjongen {marker}",
        text_language="nl",
    )
    QuestionnaireAnswer.objects.create(link=link, question="interpreter", choices=["ar"])
    QuestionnaireAnswer.objects.create(
        link=link,
        question="anything_else",
        text=f"Opa is ziek {marker}",
        text_language="tr",
    )
    link.submitted_at = timezone.now()
    link.summary_confirmed_at = timezone.now()
    link.summary_confirmed_version = 1
    link.summary_comment = f"Klopt, dank u {marker}"
    link.summary_comment_language = "nl"
    link.summary_comment_at = timezone.now()
    link.save()
    ReviewComment.objects.create(
        conversation=conversation, author=coordinator, body=f"Mooi voorbereid {marker}"
    )
    return FullRecord(
        conversation=conversation,
        link=link,
        library_topic=library_topic,
        own_topic=own_topic,
        professional_topic=professional_topic,
        agreement=agreement,
        contact=contact,
    )
