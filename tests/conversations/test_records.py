from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import Conversation, Kind
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


# Starting a conversation


def test_it_offers_the_family_guardians_when_starting(teacher_client, child, family):
    factories.make_guardian(family, first_name="Mehmet", lives_with_children=False)
    response = teacher_client.get(reverse("conversation_create", args=[child.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ayşe Yilmaz" in content
    assert "Mehmet" in content
    # The parent who lives elsewhere is not ticked by default.
    assert content.count("checked") == 2  # the default kind and the resident parent


def test_it_starts_a_welbevindengesprek(teacher_client, teacher, child, family):
    guardian = family.guardians.get()
    response = teacher_client.post(
        reverse("conversation_create", args=[child.pk]),
        {"kind": Kind.WELLBEING, "guardians": [guardian.pk], "date": "2026-09-15"},
    )
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("preparation_start", args=[conversation.pk])
    assert conversation.owner == teacher
    assert conversation.child == child
    assert list(conversation.guardians.all()) == [guardian]
    assert conversation.school_year == 2026
    assert conversation.status == Conversation.Status.DRAFT
    assert conversation.duration_minutes == 30


def test_it_takes_the_interpreter_wish_from_the_family(teacher_client, child, family):
    family.interpreter_wanted = True
    family.save()
    teacher_client.post(reverse("conversation_create", args=[child.pk]), {"kind": Kind.PROGRESS})
    conversation = Conversation.objects.get()
    assert conversation.interpreter
    assert conversation.duration_minutes == 15


def test_it_refuses_an_unknown_kind_clearly(teacher_client, child):
    response = teacher_client.post(reverse("conversation_create", args=[child.pk]), {"kind": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Conversation.objects.exists()


def test_it_refuses_a_guardian_of_another_family(teacher_client, child, other_child):
    stranger = other_child.family.guardians.get()
    response = teacher_client.post(
        reverse("conversation_create", args=[child.pk]),
        {"kind": Kind.WELLBEING, "guardians": [stranger.pk]},
    )
    assert response.status_code == 200
    # Said beside the parents' checkboxes, not only marked on them.
    errors = response.content.decode().split('<ul class="field__errors">', 1)
    assert len(errors) == 2
    assert "no longer part of the family" in errors[1].split("</ul>", 1)[0]
    assert not Conversation.objects.exists()


def test_it_hides_starting_from_outsiders(teacher2_client, other_coordinator_client, child):
    url = reverse("conversation_create", args=[child.pk])
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.post(url, {"kind": Kind.WELLBEING}).status_code == 404
    assert not Conversation.objects.exists()


def test_it_sends_anonymous_starters_to_login(client, child):
    assert client.get(reverse("conversation_create", args=[child.pk])).status_code == 302


def test_it_refuses_put_when_starting(teacher_client, child):
    assert teacher_client.put(reverse("conversation_create", args=[child.pk])).status_code == 405


# The conversation page


def test_it_shows_the_conversation_to_its_owner(teacher_client, conversation):
    response = teacher_client.get(conversation.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "Welbevindengesprek" in content
    assert "Ayşe Yilmaz" in content
    assert reverse("conversation_details", args=[conversation.pk]) in content


def test_it_shows_the_conversation_read_only_to_the_coordinator(coordinator_client, conversation):
    response = coordinator_client.get(conversation.get_absolute_url())
    assert response.status_code == 200
    assert reverse("conversation_details", args=[conversation.pk]) not in response.content.decode()


def test_it_hides_the_conversation_from_outsiders(
    teacher2_client, other_coordinator_client, client, conversation
):
    url = conversation.get_absolute_url()
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_it_refuses_post_on_the_conversation_page(teacher_client, conversation):
    assert teacher_client.post(conversation.get_absolute_url()).status_code == 405


def test_it_lists_conversations_by_school_year_on_the_child_page(teacher_client, teacher, child):
    factories.make_conversation(child, teacher, school_year=2025, kind=Kind.PROGRESS)
    factories.make_conversation(child, teacher, school_year=2026)
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert content.index("School year 2026-2027") < content.index("School year 2025-2026")
    assert content.index("Welbevindengesprek") < content.index("Progress talk")


# Details and status


def test_it_saves_who_when_and_where(teacher_client, conversation):
    response = teacher_client.post(
        reverse("conversation_details", args=[conversation.pk]),
        {
            "guardians": [],
            "child_takes_part": "on",
            "date": "2026-09-20",
            "start_time": "15:30",
            "duration_minutes": "30",
            "place": "Lokaal groep 3",
            "video_link": "",
        },
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.child_takes_part
    assert conversation.place == "Lokaal groep 3"
    assert str(conversation.start_time) == "15:30:00"


def test_it_asks_which_language_the_interpreter_speaks(teacher_client, conversation):
    response = teacher_client.post(
        reverse("conversation_details", args=[conversation.pk]),
        {"interpreter": "on", "duration_minutes": "30", "place": "Lokaal 4"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Say which language the interpreter should speak." in content
    # What was typed stays in the form.
    assert 'value="Lokaal 4"' in content


def test_it_refuses_details_from_the_coordinator_and_outsiders(
    coordinator_client, teacher2_client, conversation
):
    url = reverse("conversation_details", args=[conversation.pk])
    assert coordinator_client.get(url).status_code == 404
    assert teacher2_client.post(url, {"duration_minutes": "30"}).status_code == 404


def test_it_lets_a_colleague_of_the_group_edit(location, group, conversation):
    duo = factories.make_staff("duo", location, groups=(group,))
    assert Conversation.objects.editable_by(duo).get() == conversation


def test_it_marks_can_edit_as_editable_by_does(
    location, group, teacher, teacher2, coordinator, other_coordinator, child, other_child
):
    duo = factories.make_staff("duo", location, groups=(group,))
    factories.make_conversation(child, teacher)
    factories.make_conversation(child, teacher2)  # about a child teacher2 no longer teaches
    factories.make_conversation(child, coordinator)
    factories.make_conversation(other_child, teacher)  # the child moved to another group
    factories.make_conversation(other_child, teacher2)
    for user in (teacher, teacher2, duo, coordinator, other_coordinator):
        editable = set(Conversation.objects.editable_by(user).values_list("pk", flat=True))
        visible = Conversation.objects.visible_to(user)
        marked = Conversation.objects.visible_with_can_edit(user)
        assert {c.pk: c.can_edit for c in marked} == {c.pk: c.pk in editable for c in visible}
        assert editable <= {c.pk for c in visible}


def test_it_changes_the_status(teacher_client, conversation):
    response = teacher_client.post(
        reverse("conversation_status", args=[conversation.pk]), {"status": "prepared"}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.PREPARED


def test_it_refuses_status_changes_by_get_and_by_outsiders(
    teacher_client, teacher2_client, conversation
):
    url = reverse("conversation_status", args=[conversation.pk])
    assert teacher_client.get(url).status_code == 405
    assert teacher2_client.post(url, {"status": "held"}).status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.DRAFT
