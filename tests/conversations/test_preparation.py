from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import (
    AgendaItem,
    Audience,
    ChosenPrompt,
    ConversationText,
    Kind,
    Need,
    Phase,
    Prompt,
    PromptKind,
    QuestionnaireAnswer,
)
from conversations.steps import steps_for
from tests import factories
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


def _prompt(text: str, *, kinds=(Kind.WELLBEING,), location=None, **kwargs) -> Prompt:
    kwargs.setdefault("need", Need.RELATEDNESS)
    kwargs.setdefault("audience", Audience.PARENT)
    kwargs.setdefault("phase", Phase.EXPLORE)
    prompt = Prompt.objects.create(text_nl=text, text_en=text, location=location, **kwargs)
    for kind in kinds:
        PromptKind.objects.create(prompt=prompt, kind=kind)
    return prompt


def _step(conversation, slug: str) -> str:
    return reverse("preparation_step", args=[conversation.pk, slug])


def _text(conversation, key: str) -> str:
    return ConversationText.objects.get(conversation=conversation, key=key).text


def _login_redirect(response, url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('login')}?next={url}"
    )


def _htmx(client, url: str, data=None):
    if data is None:
        return client.get(url, headers={"HX-Request": "true"})
    return client.post(url, data, headers={"HX-Request": "true"})


@pytest.fixture
def concern(child, teacher):
    return factories.make_conversation(child, teacher, kind=Kind.CONCERN, duration_minutes=45)


# Steps per kind


def test_it_gives_each_kind_the_steps_that_fit_it():
    slugs = {kind: [step.slug for step in steps_for(kind)] for kind in Kind.values}

    assert slugs[Kind.WELLBEING] == [
        "wat-gaat-goed",
        "ouders-vooraf",
        "vragen",
        "nodig-en-bieden",
        "ouders",
        "agenda",
    ]
    assert "observaties" in slugs[Kind.CONCERN]
    assert "kind-vooraf" in slugs[Kind.CONCERN]
    assert "wie-doet-mee" in slugs[Kind.CONCERN]
    assert "observaties" not in slugs[Kind.WELLBEING]
    assert "samen-beslissen" in slugs[Kind.SUPPORT_PLAN]
    assert "voortgang" in slugs[Kind.PROGRESS]
    assert slugs[Kind.INFORMAL] == ["kort"]
    # The keys of all preparation texts are the area's own.
    assert all(
        key.startswith("prep_")
        for kind in Kind.values
        for step in steps_for(kind)
        for key in step.keys
    )


def test_it_starts_at_the_first_step(teacher_client, conversation):
    response = teacher_client.get(reverse("preparation_start", args=[conversation.pk]))

    assert response.status_code == 302
    assert response["Location"] == _step(conversation, "wat-gaat-goed")


def test_it_shows_observation_and_child_steps_for_a_concern_only(
    teacher_client, conversation, concern
):
    wellbeing = teacher_client.get(_step(conversation, "wat-gaat-goed")).content.decode()
    response = teacher_client.get(_step(concern, "observaties"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "What did I see, and when?" in content
    assert "Describe, do not judge." in content
    assert "The child first" in content
    assert "Observations" not in wellbeing
    assert "The child first" not in wellbeing
    assert teacher_client.get(_step(conversation, "observaties")).status_code == 404
    assert teacher_client.get(_step(conversation, "no-such-step")).status_code == 404


@pytest.mark.parametrize("kind", Kind.values)
def test_it_renders_every_step_of_every_kind(teacher_client, child, teacher, kind):
    conversation = factories.make_conversation(child, teacher, kind=kind)
    for step in steps_for(kind):
        response = teacher_client.get(_step(conversation, step.slug))
        assert response.status_code == 200, step.slug
        assert f">{step.title}</h2>" in response.content.decode()


def test_it_shows_the_step_list_with_progress(teacher_client, conversation, teacher):
    ConversationText.objects.create(
        conversation=conversation, key="prep_going_well", text="Loves the sandpit", version=1
    )

    response = teacher_client.get(_step(conversation, "vragen"))

    content = response.content.decode()
    assert "1 of 6 steps filled in" in content
    assert "Step 3 of 6" in content
    assert 'aria-current="step"' in content
    assert "(has content)" in content


def test_it_shows_the_saved_texts_in_autosaving_fields(teacher_client, conversation, teacher):
    ConversationText.objects.create(
        conversation=conversation, key="prep_going_well", text="Loves the sandpit", version=3
    )

    response = teacher_client.get(_step(conversation, "wat-gaat-goed"))

    content = response.content.decode()
    assert "Loves the sandpit</textarea>" in content
    assert 'name="version-prep_going_well" value="3"' in content
    assert reverse("text_autosave", args=[conversation.pk]) in content
    assert 'id="autosave-messages"' in content


def test_it_renders_the_step_partial_for_htmx(teacher_client, conversation):
    response = _htmx(teacher_client, _step(conversation, "nodig-en-bieden"))

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="step"')
    assert "<html" not in content
    assert "What do I need from the parents?" in content
    assert "HX-Request" in response["Vary"]


# Saving without JavaScript


def test_it_saves_posted_texts_and_goes_to_the_next_step(teacher_client, conversation):
    response = teacher_client.post(
        _step(conversation, "wat-gaat-goed"),
        {
            "text-prep_going_well": "Helps others tidy up",
            "version-prep_going_well": "0",
            "text-prep_learn_at_home": "What does he enjoy at home?",
            "version-prep_learn_at_home": "0",
            "go": "next",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _step(conversation, "ouders-vooraf")
    assert _text(conversation, "prep_going_well") == "Helps others tidy up"
    assert _text(conversation, "prep_learn_at_home") == "What does he enjoy at home?"


def test_it_goes_back_or_to_a_chosen_step_after_saving(teacher_client, conversation):
    url = _step(conversation, "nodig-en-bieden")
    data = {"text-prep_can_offer": "A chat at pick-up", "version-prep_can_offer": "0"}

    back = teacher_client.post(url, data | {"go": "previous"})
    chosen = teacher_client.post(url, data | {"version-prep_can_offer": "1", "go": "agenda"})

    assert back["Location"] == _step(conversation, "vragen")
    assert chosen["Location"] == _step(conversation, "agenda")
    assert _text(conversation, "prep_can_offer") == "A chat at pick-up"


def test_it_returns_to_the_conversation_after_the_last_step(teacher_client, conversation):
    response = teacher_client.post(_step(conversation, "agenda"), {"go": "done"}, follow=True)

    assert response.redirect_chain[-1][0] == conversation.get_absolute_url()
    assert "Your preparation is saved." in response.content.decode()


def test_it_keeps_both_texts_when_a_post_conflicts(teacher_client, conversation, teacher2):
    ConversationText.objects.create(
        conversation=conversation,
        key="prep_going_well",
        text="Saved in the other tab",
        version=2,
        updated_by=teacher2,
    )

    response = teacher_client.post(
        _step(conversation, "wat-gaat-goed"),
        {
            "text-prep_going_well": "Typed in this tab",
            "version-prep_going_well": "1",
            "go": "next",
        },
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "Typed in this tab</textarea>" in content
    assert "Saved in the other tab</textarea>" in content
    assert "someone else changed this text" in content
    assert _text(conversation, "prep_going_well") == "Saved in the other tab"
    assert (
        ConversationText.objects.get(conversation=conversation, key="prep_going_well").version == 2
    )


def test_it_ignores_posted_fields_of_other_steps(teacher_client, conversation):
    teacher_client.post(
        _step(conversation, "wat-gaat-goed"),
        {"text-prep_can_offer": "Not on this step", "version-prep_can_offer": "0"},
    )

    assert not ConversationText.objects.filter(key="prep_can_offer").exists()


# The parents' likely needs and who joins


def test_it_stores_the_parents_needs_in_order(teacher_client, conversation):
    response = teacher_client.post(
        _step(conversation, "ouders"),
        {"choices": "1", "needs": ["busy", "first_contact", "not-a-need"], "go": "next"},
    )

    conversation.refresh_from_db()
    assert response["Location"] == _step(conversation, "agenda")
    assert conversation.parent_needs == ["first_contact", "busy"]


def test_it_saves_ticked_needs_through_htmx_and_shows_an_approach(teacher_client, conversation):
    response = _htmx(
        teacher_client, _step(conversation, "ouders"), {"choices": "1", "needs": ["language"]}
    )

    content = response.content.decode()
    conversation.refresh_from_db()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="choices"')
    assert "Arrange an interpreter in good time" in content
    assert "No interpreter is planned yet." in content
    assert "Saved" in content
    assert conversation.parent_needs == ["language"]


def test_it_saves_unticking_every_need(teacher_client, conversation):
    conversation.parent_needs = ["busy"]
    conversation.save()

    _htmx(teacher_client, _step(conversation, "ouders"), {"choices": "1"})

    conversation.refresh_from_db()
    assert conversation.parent_needs == []


def test_it_shows_ticked_needs_with_their_approach(teacher_client, conversation):
    conversation.parent_needs = ["may_feel_judged"]
    conversation.save()

    content = teacher_client.get(_step(conversation, "ouders")).content.decode()

    assert 'value="may_feel_judged" id="need-may_feel_judged" checked' in content
    assert "Open with what goes well" in content
    assert "Explain briefly how the group works" not in content


def test_it_asks_whether_a_coordinator_joins_a_concern(teacher_client, concern):
    url = _step(concern, "wie-doet-mee")
    content = teacher_client.get(url).content.decode()

    response = teacher_client.post(url, {"choices": "1", "coordinator_joins": "on", "go": "next"})

    concern.refresh_from_db()
    assert "meldcode" in content
    assert "You do not have to investigate or solve it yourself." in content
    assert response["Location"] == _step(concern, "agenda")
    assert concern.coordinator_joins is True
    assert concern.child_takes_part is False


# Questions from the library


def test_it_lists_the_library_for_this_kind_and_location_by_need(
    teacher_client, conversation, location, other_location
):
    _prompt("What makes your child laugh?")
    _prompt("How do you help with homework?", need=Need.COMPETENCE)
    _prompt("Our own location question", location=location, need=Need.AUTONOMY)
    _prompt("Another location's question", location=other_location)
    _prompt("Only for concerns", kinds=(Kind.CONCERN,))
    retired = _prompt("An old question")
    retired.retired_at = timezone.now()
    retired.save()

    content = teacher_client.get(_step(conversation, "vragen")).content.decode()

    assert "What makes your child laugh?" in content
    assert "How do you help with homework?" in content
    assert "Our own location question" in content
    assert "Another location&#x27;s question" not in content
    assert "Only for concerns" not in content
    assert "An old question" not in content
    assert content.index(">Relatedness") < content.index(">Competence")
    assert content.index(">Competence") < content.index(">Autonomy")


def test_it_adds_a_library_question_as_a_copy(teacher_client, conversation):
    prompt = _prompt("What makes your child laugh?", need=Need.COMPETENCE)

    response = _htmx(
        teacher_client, reverse("prompt_choose", args=[conversation.pk]), {"add": prompt.pk}
    )

    chosen = ChosenPrompt.objects.get(conversation=conversation)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="questions"')
    assert 'aria-pressed="true"' in content
    assert chosen.prompt == prompt
    assert chosen.text == "What makes your child laugh?"
    assert chosen.need == Need.COMPETENCE
    # The library may change later; what was chosen stays as it was.
    prompt.text_en = "Changed later"
    prompt.save()
    chosen.refresh_from_db()
    assert chosen.text == "What makes your child laugh?"


def test_it_adds_a_question_only_once(teacher_client, conversation):
    prompt = _prompt("What makes your child laugh?")
    url = reverse("prompt_choose", args=[conversation.pk])

    teacher_client.post(url, {"add": prompt.pk})
    response = teacher_client.post(url, {"add": prompt.pk})

    assert response.status_code == 302
    assert response["Location"] == _step(conversation, "vragen") + "#questions"
    assert ChosenPrompt.objects.filter(conversation=conversation).count() == 1


def test_it_removes_a_chosen_question(teacher_client, conversation):
    prompt = _prompt("What makes your child laugh?")
    chosen = ChosenPrompt.objects.create(
        conversation=conversation, prompt=prompt, audience=Audience.PARENT, text=prompt.text_nl
    )

    response = _htmx(
        teacher_client, reverse("prompt_choose", args=[conversation.pk]), {"remove": chosen.pk}
    )

    assert response.status_code == 200
    assert 'aria-pressed="false"' in response.content.decode()
    assert not ChosenPrompt.objects.exists()
    assert Prompt.objects.filter(pk=prompt.pk).exists()


def test_it_does_not_add_a_retired_question(teacher_client, conversation):
    prompt = _prompt("An old question")
    prompt.retired_at = timezone.now()
    prompt.save()
    url = reverse("prompt_choose", args=[conversation.pk])

    response = _htmx(teacher_client, url, {"add": prompt.pk})
    plain = teacher_client.post(url, {"add": prompt.pk}, follow=True)

    assert response.status_code == 422
    assert "no longer in the library" in response.content.decode()
    assert "no longer in the library" in plain.content.decode()
    assert not ChosenPrompt.objects.exists()


def test_it_does_not_add_another_locations_question(teacher_client, conversation, other_location):
    prompt = _prompt("Another location's question", location=other_location)

    response = _htmx(
        teacher_client, reverse("prompt_choose", args=[conversation.pk]), {"add": prompt.pk}
    )

    assert response.status_code == 422
    assert not ChosenPrompt.objects.exists()


def test_it_does_not_remove_another_conversations_question(
    teacher_client, conversation, child, teacher
):
    other = factories.make_conversation(child, teacher)
    chosen = ChosenPrompt.objects.create(conversation=other, audience=Audience.PARENT, text="Hi")

    response = _htmx(
        teacher_client, reverse("prompt_choose", args=[conversation.pk]), {"remove": chosen.pk}
    )

    assert response.status_code == 422
    assert ChosenPrompt.objects.filter(pk=chosen.pk).exists()


def test_it_adds_an_own_question_beside_the_chosen_ones(teacher_client, conversation):
    ChosenPrompt.objects.create(conversation=conversation, audience=Audience.PARENT, text="First")

    response = _htmx(
        teacher_client,
        reverse("own_question_add", args=[conversation.pk]),
        {"text": "What would Emre like to learn?", "audience": "child", "need": "autonomy"},
    )

    own = ChosenPrompt.objects.get(text="What would Emre like to learn?")
    content = response.content.decode()
    assert response.status_code == 200
    assert "What would Emre like to learn?" in content
    assert "your own" in content
    assert own.is_own
    assert (own.audience, own.need, own.position) == ("child", "autonomy", 1)


def test_it_adds_an_own_question_without_a_need_and_without_javascript(
    teacher_client, conversation
):
    response = teacher_client.post(
        reverse("own_question_add", args=[conversation.pk]),
        {"text": "Anything else?", "audience": "parent", "need": ""},
    )

    assert response.status_code == 302
    assert ChosenPrompt.objects.get().need == ""


def test_it_refuses_an_empty_own_question(teacher_client, conversation):
    url = reverse("own_question_add", args=[conversation.pk])

    response = _htmx(teacher_client, url, {"text": "", "audience": "parent"})
    plain = teacher_client.post(url, {"text": "", "audience": "parent"})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert plain.status_code == 422
    assert "This field is required." in plain.content.decode()
    assert not ChosenPrompt.objects.exists()


def test_it_has_no_questions_for_an_informal_contact(teacher_client, child, teacher):
    informal = factories.make_conversation(child, teacher, kind=Kind.INFORMAL)

    response = teacher_client.post(
        reverse("own_question_add", args=[informal.pk]), {"text": "Hi?", "audience": "parent"}
    )

    assert response.status_code == 404


def test_it_lists_80_library_questions_in_few_queries(
    teacher_client, conversation, location, django_assert_max_num_queries
):
    needs = list(Need)
    audiences = list(Audience)
    for number in range(80):
        prompt = _prompt(
            f"Library question {number}",
            location=location if number % 2 else None,
            need=needs[number % 3],
            audience=audiences[number % 3],
        )
        if number % 8 == 0:
            ChosenPrompt.objects.create(
                conversation=conversation, prompt=prompt, audience=prompt.audience, text=prompt.text
            )
    ChosenPrompt.objects.create(conversation=conversation, audience=Audience.PARENT, text="Own")

    with django_assert_max_num_queries(8 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(_step(conversation, "vragen"))

    content = response.content.decode()
    assert "Library question 79" in content
    assert content.count('aria-pressed="true"') == 10


# The agenda and its time plan


def _item(conversation, title: str, source: str = "professional", minutes: int = 5):
    position = conversation.agenda_items.count()
    return AgendaItem.objects.create(
        conversation=conversation, title=title, source=source, minutes=minutes, position=position
    )


def _titles(conversation) -> list[str]:
    return list(conversation.agenda_items.values_list("title", flat=True))


def test_it_puts_the_parents_topics_first(teacher_client, conversation):
    url = reverse("agenda_item_add", args=[conversation.pk])
    for title, source in [
        ("Getting to know each other", "professional"),
        ("How mornings go", "parent"),
        ("What Emre wants to tell", "child"),
        ("Questions of the parents", "parent"),
        ("Agreements", "professional"),
    ]:
        teacher_client.post(url, {"new-title": title, "new-source": source, "new-minutes": "5"})

    assert _titles(conversation) == [
        "How mornings go",
        "Questions of the parents",
        "What Emre wants to tell",
        "Getting to know each other",
        "Agreements",
    ]


def test_it_adds_a_topic_through_htmx_and_shows_the_time_plan(teacher_client, conversation):
    _item(conversation, "Getting to know each other", "parent", minutes=10)

    response = _htmx(
        teacher_client,
        reverse("agenda_item_add", args=[conversation.pk]),
        {"new-title": "What goes well", "new-source": "professional", "new-minutes": "15"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="agenda"')
    assert "min. 0–10" in content
    assert "min. 10–25" in content
    assert "Together 25 of the 30 minutes planned." in content
    assert "5 minutes left for agreements." in content


def test_it_shows_clock_times_when_the_start_is_known(teacher_client, conversation):
    conversation.date = dt.date(2026, 12, 3)
    conversation.start_time = dt.time(15, 30)
    conversation.save()
    _item(conversation, "Getting to know each other", "parent", minutes=10)
    _item(conversation, "What goes well", minutes=5)

    content = teacher_client.get(_step(conversation, "agenda")).content.decode()

    assert "15:30–15:40" in content
    assert "15:40–15:45" in content


def test_it_warns_when_the_topics_take_longer_than_planned(teacher_client, conversation):
    _item(conversation, "Getting to know each other", "parent", minutes=25)
    _item(conversation, "What goes well", minutes=15)

    content = teacher_client.get(_step(conversation, "agenda")).content.decode()

    assert "Together 40 of the 30 minutes planned." in content
    assert "That is 10 minutes more than planned." in content


def test_it_refuses_a_topic_without_a_title_or_with_too_many_minutes(teacher_client, conversation):
    url = reverse("agenda_item_add", args=[conversation.pk])

    response = _htmx(
        teacher_client, url, {"new-title": "", "new-source": "parent", "new-minutes": "500"}
    )
    plain = teacher_client.post(url, {"new-title": "", "new-source": "parent", "new-minutes": "5"})

    content = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in content
    assert "Ensure this value is less than or equal to 120." in content
    assert plain.status_code == 422
    assert "This field is required." in plain.content.decode()
    assert not AgendaItem.objects.exists()


def test_it_moves_topics_up_and_down(teacher_client, conversation):
    first = _item(conversation, "First")
    _item(conversation, "Second")
    third = _item(conversation, "Third")
    url = "agenda_item_move"

    teacher_client.post(reverse(url, args=[conversation.pk, third.pk]), {"direction": "up"})
    assert _titles(conversation) == ["First", "Third", "Second"]

    response = _htmx(
        teacher_client, reverse(url, args=[conversation.pk, first.pk]), {"direction": "down"}
    )
    assert response.status_code == 200
    assert _titles(conversation) == ["Third", "First", "Second"]

    teacher_client.post(reverse(url, args=[conversation.pk, third.pk]), {"direction": "up"})
    assert _titles(conversation) == ["Third", "First", "Second"]


def test_it_changes_a_topic(teacher_client, conversation):
    item = _item(conversation, "First")
    prefix = f"item-{item.pk}"

    response = _htmx(
        teacher_client,
        reverse("agenda_item_update", args=[conversation.pk, item.pk]),
        {f"{prefix}-title": "Sleep", f"{prefix}-source": "parent", f"{prefix}-minutes": "8"},
    )
    invalid = _htmx(
        teacher_client,
        reverse("agenda_item_update", args=[conversation.pk, item.pk]),
        {f"{prefix}-title": "Sleep", f"{prefix}-source": "parent", f"{prefix}-minutes": "0"},
    )

    item.refresh_from_db()
    assert response.status_code == 200
    assert (item.title, item.source, item.minutes) == ("Sleep", "parent", 8)
    assert invalid.status_code == 422
    assert "Ensure this value is greater than or equal to 1." in invalid.content.decode()


def test_it_deletes_a_topic(teacher_client, conversation):
    item = _item(conversation, "First")
    _item(conversation, "Second")

    response = teacher_client.post(reverse("agenda_item_delete", args=[conversation.pk, item.pk]))

    assert response["Location"] == _step(conversation, "agenda") + "#agenda"
    assert _titles(conversation) == ["Second"]


def test_it_does_not_touch_another_conversations_topic(
    teacher_client, conversation, child, teacher
):
    other = factories.make_conversation(child, teacher)
    item = _item(other, "Not here")

    response = teacher_client.post(reverse("agenda_item_delete", args=[conversation.pk, item.pk]))

    assert response.status_code == 404
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# The printable sheet


def test_it_prints_the_whole_preparation(teacher_client, conversation):
    ConversationText.objects.create(
        conversation=conversation, key="prep_going_well", text="Loves the sandpit", version=1
    )
    ChosenPrompt.objects.create(
        conversation=conversation, audience=Audience.PARENT, text="How are mornings at home?"
    )
    _item(conversation, "Getting to know each other", "parent", minutes=10)
    conversation.parent_needs = ["busy"]
    conversation.save()

    response = teacher_client.get(reverse("preparation_print", args=[conversation.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Loves the sandpit" in content
    assert "How are mornings at home?" in content
    assert "Getting to know each other" in content
    assert "The parents have little time" in content
    assert "min. 0–10" in content
    assert "css/preparation.css" in content
    # Steps without content are left off the sheet.
    assert "What I need and can offer" not in content


def test_it_prints_what_each_parent_answered_beforehand(teacher_client, conversation, family):
    [mother] = family.guardians.all()
    father = factories.make_guardian(family, first_name="Mehmet", last_name="Yilmaz")
    sent = factories.make_parent_link(conversation, mother)
    sent.submitted_at = timezone.now()
    sent.save()
    draft = factories.make_parent_link(conversation, father)
    QuestionnaireAnswer.objects.create(link=sent, question="feeling", choices=["good"])
    QuestionnaireAnswer.objects.create(
        link=draft, question="happy_safe", choices=["quiet"], text="Knuffels", text_language="nl"
    )
    factories.make_parent_link(conversation, factories.make_guardian(family, first_name="Ayla"))

    content = teacher_client.get(reverse("preparation_print", args=[conversation.pk])).content
    content = content.decode()

    assert "<h2>Parents beforehand</h2>" in content
    assert f"What {mother.full_name} answered</h3>" in content
    assert 'What Mehmet Yilmaz answered <span class="print-muted">(not sent yet)</span>' in content
    assert "A quiet place to rest" in content
    assert "Knuffels" in content
    # A parent who answered nothing is not on the sheet.
    assert "What Ayla" not in content


def test_it_leaves_the_parents_off_the_sheet_when_nobody_answered(
    teacher_client, conversation, parent_link
):
    content = teacher_client.get(reverse("preparation_print", args=[conversation.pk])).content
    assert "Parents beforehand" not in content.decode()


def test_it_says_when_nothing_is_prepared_yet(teacher_client, conversation):
    response = teacher_client.get(reverse("preparation_print", args=[conversation.pk]))

    assert "Nothing has been prepared yet." in response.content.decode()


# Who may do what


def _read_urls(conversation) -> list[str]:
    return [
        reverse("preparation_start", args=[conversation.pk]),
        _step(conversation, "wat-gaat-goed"),
        _step(conversation, "vragen"),
        _step(conversation, "agenda"),
        reverse("preparation_print", args=[conversation.pk]),
    ]


def _write_posts(conversation) -> list[tuple[str, dict]]:
    item = _item(conversation, "Getting to know each other")
    prompt = _prompt("What makes your child laugh?")
    return [
        (
            _step(conversation, "wat-gaat-goed"),
            {"text-prep_going_well": "Mine", "version-prep_going_well": "0"},
        ),
        (_step(conversation, "ouders"), {"choices": "1", "needs": ["busy"]}),
        (reverse("prompt_choose", args=[conversation.pk]), {"add": prompt.pk}),
        (reverse("own_question_add", args=[conversation.pk]), {"text": "Hi", "audience": "parent"}),
        (
            reverse("agenda_item_add", args=[conversation.pk]),
            {"new-title": "X", "new-source": "parent", "new-minutes": "5"},
        ),
        (
            reverse("agenda_item_update", args=[conversation.pk, item.pk]),
            {f"item-{item.pk}-title": "X", f"item-{item.pk}-source": "parent"},
        ),
        (reverse("agenda_item_move", args=[conversation.pk, item.pk]), {"direction": "down"}),
        (reverse("agenda_item_delete", args=[conversation.pk, item.pk]), {}),
    ]


@pytest.mark.parametrize("outsider", ["teacher2_client", "other_coordinator_client"])
def test_it_hides_the_preparation_from_outsiders(request, outsider, conversation):
    client = request.getfixturevalue(outsider)

    for url in _read_urls(conversation):
        assert client.get(url).status_code == 404, url
    for url, data in _write_posts(conversation):
        assert client.post(url, data).status_code == 404, url
    assert not ConversationText.objects.exists()
    assert conversation.agenda_items.count() == 1


def test_it_lets_a_coordinator_read_but_not_write(coordinator_client, conversation):
    ConversationText.objects.create(
        conversation=conversation, key="prep_going_well", text="Loves the sandpit", version=1
    )

    for url in _read_urls(conversation):
        assert coordinator_client.get(url).status_code in {200, 302}, url
    content = coordinator_client.get(_step(conversation, "wat-gaat-goed")).content.decode()
    assert "Loves the sandpit" in content
    assert "You can read this preparation." in content
    assert "<textarea" not in content
    assert 'id="step-form"' not in content
    for url, data in _write_posts(conversation):
        assert coordinator_client.post(url, data).status_code == 404, url
        assert _htmx(coordinator_client, url, data).status_code == 404, url
    assert _text(conversation, "prep_going_well") == "Loves the sandpit"


def test_it_shows_the_coordinator_the_questions_and_agenda_without_controls(
    coordinator_client, conversation
):
    ChosenPrompt.objects.create(conversation=conversation, audience=Audience.PARENT, text="Hi?")
    _item(conversation, "Getting to know each other")

    questions = coordinator_client.get(_step(conversation, "vragen")).content.decode()
    agenda = coordinator_client.get(_step(conversation, "agenda")).content.decode()

    assert "Hi?" in questions
    assert reverse("prompt_choose", args=[conversation.pk]) not in questions
    assert "Getting to know each other" in agenda
    assert reverse("agenda_item_add", args=[conversation.pk]) not in agenda


def test_it_sends_an_anonymous_visitor_to_log_in(client, conversation):
    for url in _read_urls(conversation):
        assert _login_redirect(client.get(url), url)
    for url, data in _write_posts(conversation):
        assert _login_redirect(client.post(url, data), url)
        # An htmx request from an expired session keeps the page as it is.
        assert _htmx(client, url, data).status_code == 401


def test_it_refuses_the_wrong_method(teacher_client, conversation):
    item = _item(conversation, "First")
    for url in [
        reverse("preparation_start", args=[conversation.pk]),
        reverse("preparation_print", args=[conversation.pk]),
    ]:
        assert teacher_client.post(url).status_code == 405, url
    assert teacher_client.put(_step(conversation, "wat-gaat-goed")).status_code == 405
    for url in [
        reverse("prompt_choose", args=[conversation.pk]),
        reverse("own_question_add", args=[conversation.pk]),
        reverse("agenda_item_add", args=[conversation.pk]),
        reverse("agenda_item_update", args=[conversation.pk, item.pk]),
        reverse("agenda_item_move", args=[conversation.pk, item.pk]),
        reverse("agenda_item_delete", args=[conversation.pk, item.pk]),
    ]:
        assert teacher_client.get(url).status_code == 405, url
