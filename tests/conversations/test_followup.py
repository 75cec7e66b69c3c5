from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from conversations.models import AgendaItem, Agreement, Conversation, ConversationText, Kind
from conversations.services import text_save
from conversations.summary import (
    PLACEHOLDER,
    SHARED_SUMMARY_KEY,
    next_contact_suggestion,
    summary_draft,
)
from families.models import StaffMembership
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

HTMX = {"HX-Request": "true"}


def _agreement(conversation, **kwargs) -> Agreement:
    kwargs.setdefault("who", Agreement.Who.PARENT)
    kwargs.setdefault("what", "Elke avond tien minuten samen lezen.")
    kwargs.setdefault("due_on", timezone.localdate() + dt.timedelta(days=30))
    return Agreement.objects.create(conversation=conversation, **kwargs)


def _store(conversation, user, text: str, key: str = "summary") -> None:
    current = ConversationText.objects.filter(conversation=conversation, key=key).first()
    text_save(
        conversation=conversation,
        key=key,
        text=text,
        base_version=current.version if current else 0,
        user=user,
    )


def _summary(conversation) -> str:
    stored = ConversationText.objects.filter(conversation=conversation, key="summary").first()
    return stored.text if stored else ""


def _url(name: str, conversation) -> str:
    return reverse(name, args=[conversation.pk])


# The draft


@pytest.fixture
def held(conversation, teacher, location):
    """The welbevindengesprek after the meeting: topics, agreements, next contact."""
    StaffMembership.objects.filter(user=teacher, location=location).update(
        title="leerkracht groep 3"
    )
    teacher.last_name = "de Boer"
    teacher.save()
    conversation.date = dt.date(2026, 9, 15)
    conversation.child_takes_part = True
    conversation.interpreter = True
    conversation.interpreter_language = "Turks"
    conversation.next_contact_on = dt.date(2026, 12, 1)
    conversation.next_contact_kind = Kind.PROGRESS
    conversation.save()
    AgendaItem.objects.create(conversation=conversation, title="Hoe Emre zich voelt", position=1)
    AgendaItem.objects.create(conversation=conversation, title="Slapen en eten", position=2)
    _agreement(
        conversation,
        who_name="Ayşe",
        due_on=dt.date(2026, 10, 1),
        check_how="We praten er kort over bij het ophalen.",
    )
    _agreement(
        conversation,
        who=Agreement.Who.PROFESSIONAL,
        what="Emre krijgt een vast plekje bij het raam.",
        due_on=dt.date(2026, 9, 22),
    )
    _agreement(
        conversation,
        who=Agreement.Who.CHILD,
        what="Zelf zijn jas ophangen.",
        due_on=dt.date(2026, 10, 15),
        status=Agreement.Status.DROPPED,
    )
    return conversation


def test_it_drafts_the_summary_in_plain_dutch(held):
    draft = summary_draft(held)

    assert draft.startswith("Beste Ayşe Yilmaz,")
    assert "Dank u wel voor ons gesprek over Emre op dinsdag 15 september 2026." in draft
    assert (
        "Aan het gesprek deden mee: Ayşe Yilmaz (moeder), Emre, een tolk (Turks) "
        "en ik (Teacher de Boer)." in draft
    )
    assert "Onderwerpen:\n- Hoe Emre zich voelt\n- Slapen en eten" in draft
    assert "Wat we bespraken:\n" + PLACEHOLDER in draft


def test_it_drafts_each_agreement_with_who_what_when_and_how_we_check(held):
    draft = summary_draft(held)

    # Agreements in date order: the professional's comes first.
    assert (
        "1. Emre krijgt een vast plekje bij het raam.\n"
        "   Wie doet het: ik (Teacher de Boer)\n"
        "   Wanneer: uiterlijk dinsdag 22 september 2026\n"
        "2. Elke avond tien minuten samen lezen.\n"
        "   Wie doet het: Ayşe (ouder)\n"
        "   Wanneer: uiterlijk donderdag 1 oktober 2026\n"
        "   Zo kijken we of het gelukt is: We praten er kort over bij het ophalen."
    ) in draft
    # A dropped agreement is no longer an agreement.
    assert "jas" not in draft


def test_it_drafts_the_next_contact_and_invites_a_reply(held):
    draft = summary_draft(held)

    assert "Rond dinsdag 1 december 2026: een gesprek over hoe Emre leert en groeit." in draft
    assert "Klopt dit verslag voor u?" in draft
    assert draft.endswith("Met vriendelijke groet,\nTeacher de Boer\nleerkracht groep 3")


def test_it_keeps_the_professionals_agenda_notes_out_of_the_draft(held, teacher):
    item = held.agenda_items.first()
    _store(held, teacher, "Moeder lijkt erg gespannen.", key=item.notes_key)

    assert "gespannen" not in summary_draft(held)


def test_it_drafts_a_bare_conversation_without_empty_sections(conversation):
    conversation.guardians.clear()
    draft = summary_draft(conversation)

    assert draft.startswith("Beste ouders,")
    assert "Onderwerpen" not in draft
    assert "We hebben deze keer geen afspraken gemaakt." in draft
    assert "We spreken nog af wanneer we elkaar weer zien." in draft


def test_it_drafts_in_dutch_whatever_the_page_language(held):
    with translation.override("en"):
        draft = summary_draft(held)
    assert "dinsdag 15 september 2026" in draft
    assert "Ayşe Yilmaz (moeder)" in draft


# The summary page


def test_it_offers_the_draft_without_saving_it(teacher_client, held):
    response = teacher_client.get(_url("summary_edit", held))
    content = response.content.decode()

    assert response.status_code == 200
    assert "Dank u wel voor ons gesprek over Emre" in content
    assert 'name="version-summary" value="0"' in content
    assert "This is a first draft" in content
    assert not ConversationText.objects.filter(key="summary").exists()


def test_it_shows_the_stored_summary_instead_of_a_draft(teacher_client, teacher, held):
    _store(held, teacher, "Fijn dat jullie er waren.")
    content = teacher_client.get(_url("summary_edit", held)).content.decode()

    assert "Fijn dat jullie er waren." in content
    assert "Dank u wel voor ons gesprek" not in content
    assert 'name="version-summary" value="1"' in content
    assert "This is a first draft" not in content


def test_it_saves_the_summary_without_javascript(teacher_client, held):
    response = teacher_client.post(
        _url("summary_edit", held), {"text-summary": "Mijn verslag.", "version-summary": "0"}
    )

    assert response.status_code == 302
    assert _summary(held) == "Mijn verslag."


def test_it_keeps_both_texts_when_a_save_without_javascript_conflicts(
    teacher_client, teacher, held
):
    _store(held, teacher, "Uit het andere tabblad.")
    response = teacher_client.post(
        _url("summary_edit", held), {"text-summary": "Uit dit tabblad.", "version-summary": "0"}
    )
    content = response.content.decode()

    assert response.status_code == 200
    assert "Uit dit tabblad." in content
    assert "Uit het andere tabblad." in content
    assert _summary(held) == "Uit het andere tabblad."


def test_it_shows_the_summary_read_only_to_the_coordinator(coordinator_client, teacher, held):
    _store(held, teacher, "Fijn dat jullie er waren.")
    content = coordinator_client.get(_url("summary_edit", held)).content.decode()

    assert "Fijn dat jullie er waren." in content
    assert "<textarea" not in content
    assert _url("summary_share", held) not in content


def test_it_shows_the_coordinator_no_draft(coordinator_client, held):
    content = coordinator_client.get(_url("summary_edit", held)).content.decode()
    assert "No summary has been written yet." in content
    assert "Dank u wel" not in content


def test_it_refuses_summary_writes_by_the_coordinator(coordinator_client, held):
    response = coordinator_client.post(
        _url("summary_edit", held), {"text-summary": "Van mij.", "version-summary": "0"}
    )
    assert response.status_code == 404
    assert _summary(held) == ""


def test_it_hides_the_summary_from_outsiders(
    teacher2_client, other_coordinator_client, client, held
):
    url = _url("summary_edit", held)
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_put_on_the_summary(teacher_client, held):
    assert teacher_client.put(_url("summary_edit", held)).status_code == 405


# Making the summary again


def test_it_asks_before_replacing_the_summary(teacher_client, teacher, held):
    _store(held, teacher, "Mijn eigen tekst.")
    response = teacher_client.post(_url("summary_regenerate", held))
    content = response.content.decode()

    assert response.status_code == 200
    assert "Replace the summary with a new draft?" in content
    assert "Dank u wel voor ons gesprek over Emre" in content
    assert 'name="version-summary" value="1"' in content
    assert _summary(held) == "Mijn eigen tekst."


def test_it_asks_in_place_with_htmx(teacher_client, teacher, held):
    _store(held, teacher, "Mijn eigen tekst.")
    response = teacher_client.post(_url("summary_regenerate", held), headers=HTMX)
    content = response.content.decode()

    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="regenerate"')
    assert "<html" not in content
    assert "Yes, replace my text" in content
    assert "HX-Request" in response["Vary"]


def test_it_replaces_the_summary_once_confirmed(teacher_client, teacher, held):
    _store(held, teacher, "Mijn eigen tekst.")
    response = teacher_client.post(
        _url("summary_regenerate", held), {"confirm": "yes", "version-summary": "1"}
    )

    assert response.status_code == 302
    assert _summary(held).startswith("Beste Ayşe Yilmaz,")


def test_it_never_replaces_a_summary_saved_in_between(teacher_client, teacher, held):
    _store(held, teacher, "Eerste versie.")
    _store(held, teacher, "Tweede versie, net opgeslagen.")
    response = teacher_client.post(
        _url("summary_regenerate", held), {"confirm": "yes", "version-summary": "1"}, follow=True
    )

    assert "The summary changed in the meantime" in response.content.decode()
    assert _summary(held) == "Tweede versie, net opgeslagen."


def test_it_refuses_making_again_to_others_and_by_get(
    teacher_client, teacher2_client, coordinator_client, other_coordinator_client, client, held
):
    url = _url("summary_regenerate", held)
    data = {"confirm": "yes", "version-summary": "0"}
    assert teacher2_client.post(url, data).status_code == 404
    assert coordinator_client.post(url, data).status_code == 404
    assert other_coordinator_client.post(url, data).status_code == 404
    assert client.post(url, data).status_code == 302
    assert teacher_client.get(url).status_code == 405
    assert _summary(held) == ""


# Sharing


def test_it_refuses_to_share_an_empty_summary(teacher_client, held):
    response = teacher_client.post(_url("summary_share", held), follow=True)

    assert "The summary is empty." in response.content.decode()
    held.refresh_from_db()
    assert held.summary_shared_at is None


def test_it_refuses_to_share_a_summary_with_the_placeholder_left_in(teacher_client, held):
    response = teacher_client.post(
        _url("summary_share", held),
        {"text-summary": summary_draft(held), "version-summary": "0"},
        follow=True,
    )

    assert "[square brackets] to fill in" in response.content.decode()
    held.refresh_from_db()
    assert held.summary_shared_at is None
    # What was typed is kept all the same.
    assert _summary(held).startswith("Beste Ayşe Yilmaz,")


def test_it_shares_the_text_in_the_box(teacher_client, teacher, held):
    response = teacher_client.post(
        _url("summary_share", held),
        {"text-summary": "Dank u wel. We spraken over lezen.", "version-summary": "0"},
        follow=True,
    )

    assert "The summary is marked as shared with the parents." in response.content.decode()
    held.refresh_from_db()
    assert held.summary_shared_at is not None
    assert held.status == Conversation.Status.HELD
    shared = ConversationText.objects.get(conversation=held, key=SHARED_SUMMARY_KEY)
    assert shared.text == "Dank u wel. We spraken over lezen."


def test_it_keeps_a_followed_up_conversation_followed_up_when_sharing(
    teacher_client, teacher, held
):
    held.status = Conversation.Status.FOLLOWED_UP
    held.save()
    _store(held, teacher, "Klaar.")
    teacher_client.post(_url("summary_share", held))
    held.refresh_from_db()
    assert held.status == Conversation.Status.FOLLOWED_UP


def test_it_says_the_parents_saw_an_earlier_version_after_an_edit(teacher_client, teacher, held):
    _store(held, teacher, "Versie die de ouders zagen.")
    teacher_client.post(_url("summary_share", held))
    assert "Shared with the parents on" in (
        teacher_client.get(_url("summary_edit", held)).content.decode()
    )

    _store(held, teacher, "Later aangepast.")
    content = teacher_client.get(_url("summary_edit", held)).content.decode()

    assert "The parents saw an earlier version." in content
    assert "Mark as shared again" in content
    shared = ConversationText.objects.get(conversation=held, key=SHARED_SUMMARY_KEY)
    assert shared.text == "Versie die de ouders zagen."


def test_it_refuses_sharing_to_others_and_by_get(
    teacher_client,
    teacher2_client,
    coordinator_client,
    other_coordinator_client,
    client,
    teacher,
    held,
):
    _store(held, teacher, "Klaar om te delen.")
    url = _url("summary_share", held)
    assert teacher2_client.post(url).status_code == 404
    assert coordinator_client.post(url).status_code == 404
    assert other_coordinator_client.post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert teacher_client.get(url).status_code == 405
    held.refresh_from_db()
    assert held.summary_shared_at is None


def test_it_keeps_the_autosave_from_writing_the_shared_copy(teacher_client, teacher, held):
    _store(held, teacher, "Gedeeld.")
    teacher_client.post(_url("summary_share", held))
    response = teacher_client.post(
        reverse("text_autosave", args=[held.pk]),
        {
            "key": SHARED_SUMMARY_KEY,
            f"text-{SHARED_SUMMARY_KEY}": "Stiekem.",
            f"version-{SHARED_SUMMARY_KEY}": "1",
        },
        headers=HTMX,
    )
    assert response.status_code == 400


# The print version


def test_it_prints_the_summary_with_room_for_a_reply(teacher_client, teacher, held):
    _store(held, teacher, "Dank u wel voor het fijne gesprek.")
    response = teacher_client.get(_url("summary_print", held))
    content = response.content.decode()

    assert response.status_code == 200
    assert "Dank u wel voor het fijne gesprek." in content
    assert "Kindcentrum De Linde" in content
    assert 'class="reply"' in content
    assert 'href="/static/css/print.css" media="print"' in content


def test_it_says_when_there_is_nothing_to_print(teacher_client, held):
    content = teacher_client.get(_url("summary_print", held)).content.decode()
    assert "There is no summary yet" in content
    assert "print-sheet" not in content


def test_it_lets_the_coordinator_print_and_hides_printing_from_outsiders(
    coordinator_client, teacher2_client, other_coordinator_client, client, teacher, held
):
    _store(held, teacher, "Dank u wel.")
    url = _url("summary_print", held)
    assert coordinator_client.get(url).status_code == 200
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_it_refuses_post_on_the_print_version(teacher_client, held):
    assert teacher_client.post(_url("summary_print", held)).status_code == 405


# The reflection

FULL_RATINGS = {
    "parent_relatedness": "4",
    "parent_competence": "3",
    "parent_autonomy": "4",
    "own_relatedness": "3",
    "own_competence": "2",
    "own_autonomy": "4",
}


def _reflect(client, conversation, follow: bool = False, **data):
    return client.post(_url("reflection_edit", conversation), data, follow=follow)


def test_it_asks_who_needs_what(teacher_client, held):
    response = teacher_client.get(_url("reflection_edit", held))
    content = response.content.decode()

    assert response.status_code == 200
    assert "The parents" in content
    assert "Did the parents feel seen, heard and welcome?" in content
    assert "Did you feel a real connection with the parents?" in content
    assert content.count('type="radio"') == 24
    for answer in ("not", "a little", "mostly", "fully"):
        assert f"<span>{answer}</span>" in content


def test_it_saves_the_ratings_and_marks_the_conversation_held(teacher_client, held):
    response = _reflect(teacher_client, held, **FULL_RATINGS)

    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.parent_relatedness, held.parent_competence, held.own_competence) == (4, 3, 2)
    assert held.status == Conversation.Status.HELD


def test_it_saves_some_ratings_and_leaves_the_rest_open(teacher_client, held):
    _reflect(teacher_client, held, parent_relatedness="3")
    held.refresh_from_db()
    assert held.parent_relatedness == 3
    assert held.own_autonomy is None


@pytest.mark.parametrize("value", ["0", "5", "veel"])
def test_it_accepts_only_the_four_answers(teacher_client, held, value):
    response = _reflect(teacher_client, held, parent_relatedness=value, own_relatedness="2")
    content = response.content.decode()

    assert response.status_code == 200
    assert "Choose one of the four answers: not, a little, mostly or fully." in content
    held.refresh_from_db()
    assert held.parent_relatedness is None
    assert held.own_relatedness is None


def test_it_marks_the_follow_up_done(teacher_client, held):
    response = _reflect(teacher_client, held, done="on", **FULL_RATINGS)

    assert response.status_code == 302
    assert response.url == held.get_absolute_url()
    held.refresh_from_db()
    assert held.status == Conversation.Status.FOLLOWED_UP


def test_it_asks_for_all_six_ratings_before_the_follow_up_is_done(teacher_client, held):
    response = _reflect(teacher_client, held, done="on", parent_relatedness="4")

    assert "Rate all six needs first" in response.content.decode()
    held.refresh_from_db()
    assert held.status == Conversation.Status.DRAFT
    assert held.parent_relatedness is None


def test_it_reopens_the_follow_up_when_unticked(teacher_client, held):
    held.status = Conversation.Status.FOLLOWED_UP
    held.save()
    assert 'id="id_done" checked' in (
        teacher_client.get(_url("reflection_edit", held)).content.decode()
    )

    _reflect(teacher_client, held, **FULL_RATINGS)

    held.refresh_from_db()
    assert held.status == Conversation.Status.HELD


def test_it_saves_the_next_contact(teacher_client, held):
    day = timezone.localdate() + dt.timedelta(days=20)
    _reflect(teacher_client, held, next_contact_on=day.isoformat(), next_contact_kind="informal")
    held.refresh_from_db()
    assert (held.next_contact_on, held.next_contact_kind) == (day, Kind.INFORMAL)


def test_it_refuses_a_next_contact_in_the_past(teacher_client, held):
    day = timezone.localdate() - dt.timedelta(days=1)
    response = _reflect(teacher_client, held, next_contact_on=day.isoformat())
    assert "Pick a date from today on." in response.content.decode()


def test_it_keeps_an_earlier_next_contact_that_has_passed(teacher_client, held):
    # A date picked earlier may pass; saving the reflection again must not fail on it.
    held.next_contact_on = timezone.localdate() - dt.timedelta(days=3)
    held.save()
    response = _reflect(
        teacher_client,
        held,
        next_contact_on=held.next_contact_on.isoformat(),
        next_contact_kind="progress",
        parent_relatedness="3",
    )
    assert response.status_code == 302


def test_it_asks_for_a_date_with_a_kind_of_contact(teacher_client, held):
    held.next_contact_on = None
    held.save()
    response = _reflect(teacher_client, held, next_contact_kind="informal")
    assert "Pick a date for the next contact too." in response.content.decode()


def test_it_fills_in_the_suggested_next_contact(teacher_client, held):
    response = _reflect(
        teacher_client,
        held,
        follow=True,
        action="suggest",
        **{**FULL_RATINGS, "parent_autonomy": "1"},
    )

    assert "The suggested next contact is filled in." in response.content.decode()
    held.refresh_from_db()
    # A parent need scored low: a friendly informal contact within two weeks.
    assert held.next_contact_on == timezone.localdate() + dt.timedelta(days=14)
    assert held.next_contact_kind == Kind.INFORMAL


def test_it_saves_the_reflection_note_without_javascript(teacher_client, held):
    _reflect(
        teacher_client,
        held,
        **{"text-reflection_note": "Ik praatte te veel.", "version-reflection_note": "0"},
    )
    stored = ConversationText.objects.get(conversation=held, key="reflection_note")
    assert stored.text == "Ik praatte te veel."


def test_it_updates_the_suggestion_while_rating_with_htmx(teacher_client, held):
    url = _url("reflection_edit", held)
    response = teacher_client.get(url, {"parent_competence": "1"}, headers=HTMX)
    content = response.content.decode()

    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="suggestion"')
    assert "A need of the parents scored low." in content
    assert "Informal contact" in content
    # Nothing is saved by looking.
    held.refresh_from_db()
    assert held.parent_competence is None


def test_it_suggests_on_the_page_from_the_stored_ratings(teacher_client, conversation):
    _agreement(conversation, due_on=dt.date(2099, 9, 22))
    _agreement(conversation, due_on=dt.date(2099, 10, 1))
    content = teacher_client.get(_url("reflection_edit", conversation)).content.decode()
    # No low rating: the first open agreement's date.
    assert "This is the date of the first open agreement" in content
    assert "around Tuesday 22 September 2099" in content


def test_it_nudges_a_professional_whose_own_need_scored_low(teacher_client, held):
    held.own_competence = 1
    held.save()
    content = teacher_client.get(_url("reflection_edit", held)).content.decode()
    assert "One of your own needs scored low." in content


def test_it_shows_the_open_agreements_to_check(teacher_client, held):
    content = teacher_client.get(_url("reflection_edit", held)).content.decode()
    assert "Elke avond tien minuten samen lezen." in content
    assert "Zelf zijn jas ophangen." not in content


def test_it_shows_the_reflection_read_only_to_the_coordinator(coordinator_client, held):
    held.parent_relatedness = 4
    held.save()
    response = coordinator_client.get(_url("reflection_edit", held))
    content = response.content.decode()

    assert response.status_code == 200
    assert 'type="radio"' not in content
    assert "fully" in content
    assert "not rated yet" in content
    # The professional's own needs are theirs: a coordinator does not read them.
    assert "The professional: Teacher de Boer" not in content


def test_it_refuses_reflection_writes_by_the_coordinator(coordinator_client, held):
    assert _reflect(coordinator_client, held, **FULL_RATINGS).status_code == 404
    held.refresh_from_db()
    assert held.parent_relatedness is None


def test_it_hides_the_reflection_from_outsiders(
    teacher2_client, other_coordinator_client, client, held
):
    url = _url("reflection_edit", held)
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    assert teacher2_client.post(url, FULL_RATINGS).status_code == 404
    assert client.get(url).status_code == 302
    assert client.get(url, headers=HTMX).status_code == 401


def test_it_refuses_put_on_the_reflection(teacher_client, held):
    assert teacher_client.put(_url("reflection_edit", held)).status_code == 405


# The suggested next contact

TODAY = dt.date(2026, 10, 5)


def test_it_suggests_a_friendly_contact_soon_when_a_parent_need_scored_low(conversation):
    _agreement(conversation, due_on=dt.date(2026, 10, 8))
    conversation.parent_relatedness = 2
    suggestion = next_contact_suggestion(
        conversation, open_agreements=conversation.agreements.open(), today=TODAY
    )
    assert (suggestion.on, suggestion.kind) == (dt.date(2026, 10, 19), Kind.INFORMAL)


def test_it_ignores_a_low_own_need_when_suggesting(conversation):
    conversation.own_relatedness = 1
    suggestion = next_contact_suggestion(conversation, open_agreements=[], today=TODAY)
    assert suggestion.kind == Kind.PROGRESS


def test_it_suggests_the_date_of_the_first_open_agreement(conversation):
    _agreement(conversation, due_on=dt.date(2026, 11, 20))
    _agreement(conversation, due_on=dt.date(2026, 10, 30))
    _agreement(conversation, due_on=dt.date(2026, 10, 10), status=Agreement.Status.DONE)
    suggestion = next_contact_suggestion(
        conversation, open_agreements=conversation.agreements.open(), today=TODAY
    )
    assert (suggestion.on, suggestion.kind) == (dt.date(2026, 10, 30), Kind.INFORMAL)


def test_it_suggests_checking_an_overdue_agreement_soon(conversation):
    _agreement(conversation, due_on=dt.date(2026, 9, 1))
    suggestion = next_contact_suggestion(
        conversation, open_agreements=conversation.agreements.open(), today=TODAY
    )
    assert suggestion.on == dt.date(2026, 10, 12)
    assert "past its date" in suggestion.reason


def test_it_suggests_a_follow_up_talk_of_the_same_kind_after_a_concern(conversation):
    conversation.kind = Kind.CONCERN
    with_agreement = next_contact_suggestion(
        conversation, open_agreements=[_agreement(conversation)], today=TODAY
    )
    without = next_contact_suggestion(conversation, open_agreements=[], today=TODAY)
    assert with_agreement.kind == Kind.CONCERN
    assert (without.on, without.kind) == (dt.date(2026, 11, 16), Kind.CONCERN)


def test_it_suggests_the_next_regular_conversation_otherwise(conversation):
    conversation.date = dt.date(2026, 9, 15)
    suggestion = next_contact_suggestion(conversation, open_agreements=[], today=TODAY)
    assert (suggestion.on, suggestion.kind) == (dt.date(2027, 1, 4), Kind.PROGRESS)


# Query budgets


@pytest.fixture
def busy(conversation):
    """A long conversation: 15 topics and 30 agreements."""
    for n in range(15):
        AgendaItem.objects.create(conversation=conversation, title=f"Onderwerp {n}", position=n)
    Agreement.objects.bulk_create(
        Agreement(
            conversation=conversation,
            who=Agreement.Who.PARENT if n % 2 else Agreement.Who.PROFESSIONAL,
            what=f"Afspraak {n}",
            due_on=timezone.localdate() + dt.timedelta(days=n),
            check_how="Kort bellen.",
        )
        for n in range(30)
    )
    return conversation


def test_it_builds_the_summary_page_in_a_fixed_number_of_queries(
    teacher_client, busy, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(_url("summary_edit", busy))
    content = response.content.decode()
    assert "Onderwerp 14" in content
    assert "Afspraak 29" in content


def test_it_builds_the_reflection_page_in_a_fixed_number_of_queries(
    teacher_client, busy, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(_url("reflection_edit", busy))
    assert "Afspraak 29" in response.content.decode()


def test_it_builds_the_print_page_in_a_fixed_number_of_queries(
    coordinator_client, teacher, busy, django_assert_max_num_queries
):
    _store(busy, teacher, summary_draft(busy))
    with django_assert_max_num_queries(6 + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(_url("summary_print", busy))
    assert "Afspraak 29" in response.content.decode()
