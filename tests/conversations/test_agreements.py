from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Agreement
from tests import factories
from tests.queries import AUDIT_QUERIES, SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


def _days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def _agreement(conversation, **kwargs) -> Agreement:
    kwargs.setdefault("who", Agreement.Who.PARENT)
    kwargs.setdefault("what", "Read a picture book together before bedtime")
    kwargs.setdefault("due_on", _days(14))
    return Agreement.objects.create(conversation=conversation, **kwargs)


def _valid_post(**overrides) -> dict[str, str]:
    data = {
        "who": "parent",
        "who_name": "Ayşe",
        "what": "Practise tying shoelaces on Saturday mornings",
        "due_on": _days(21).isoformat(),
        "check_how": "A short chat at pick-up",
    }
    data.update(overrides)
    return data


def _login_redirect(response, url: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{reverse('login')}?next={url}"
    )


@pytest.fixture
def agreement(conversation):
    return _agreement(conversation)


# The list of a conversation's agreements


def test_it_lists_the_agreements_with_an_add_form(teacher_client, conversation, agreement):
    _agreement(conversation, what="Tell the class about the new baby", who="child")
    response = teacher_client.get(reverse("agreement_list", args=[conversation.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "2 open agreements" in content
    assert "Read a picture book together before bedtime" in content
    assert "Tell the class about the new baby" in content
    assert "Add an agreement" in content
    assert reverse("agreement_add", args=[conversation.pk]) in content
    assert reverse("agreement_update", args=[agreement.pk]) in content


def test_it_shows_done_and_dropped_agreements_apart(teacher_client, conversation):
    _agreement(conversation, what="Bring the reading folder", status="done", status_note="Works")
    response = teacher_client.get(reverse("agreement_list", args=[conversation.pk]))
    content = response.content.decode()
    assert "0 open agreements" in content
    assert "Done or dropped" in content
    assert "Bring the reading folder" in content
    assert "Works" in content


def test_it_lets_the_coordinator_read_but_not_add(coordinator_client, conversation, agreement):
    response = coordinator_client.get(reverse("agreement_list", args=[conversation.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Read a picture book together before bedtime" in content
    assert "Add an agreement" not in content
    assert reverse("agreement_update", args=[agreement.pk]) not in content


def test_it_hides_the_list_from_outsiders(teacher2_client, other_coordinator_client, conversation):
    url = reverse("agreement_list", args=[conversation.pk])
    assert teacher2_client.get(url).status_code == 404
    assert other_coordinator_client.get(url).status_code == 404


def test_it_sends_anonymous_list_visitors_to_login(client, conversation):
    url = reverse("agreement_list", args=[conversation.pk])
    assert _login_redirect(client.get(url), url)


def test_it_refuses_post_on_the_list(teacher_client, conversation):
    url = reverse("agreement_list", args=[conversation.pk])
    assert teacher_client.post(url).status_code == 405


# Adding


def test_it_adds_an_agreement(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]), _valid_post(), follow=True
    )
    agreement = Agreement.objects.get()
    assert response.redirect_chain == [(reverse("agreement_list", args=[conversation.pk]), 302)]
    assert agreement.conversation == conversation
    assert agreement.who == Agreement.Who.PARENT
    assert agreement.who_name == "Ayşe"
    assert agreement.what == "Practise tying shoelaces on Saturday mornings"
    assert agreement.due_on == _days(21)
    assert agreement.check_how == "A short chat at pick-up"
    assert agreement.status == Agreement.Status.OPEN
    content = response.content.decode()
    assert "The agreement is added." in content
    assert "Practise tying shoelaces on Saturday mornings" in content


def test_it_returns_the_list_partial_to_htmx(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]),
        _valid_post(),
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith('<div id="agreements"')
    assert "<html" not in content
    assert "Practise tying shoelaces on Saturday mornings" in content
    assert "The agreement is added." in content
    assert "HX-Request" in response["Vary"]
    # A fresh, empty form to add the next one.
    assert 'name="what"' in content
    assert "Practise tying shoelaces on Saturday mornings</textarea>" not in content
    assert Agreement.objects.count() == 1


def test_it_requires_what_and_by_when(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]), _valid_post(what="", due_on="")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Write down what will be done." in content
    assert "Choose a date by when it will be done." in content
    # What was typed is kept.
    assert 'value="Ayşe"' in content
    assert not Agreement.objects.exists()


def test_it_requires_who(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]), _valid_post(who="")
    )
    assert "Choose who does it." in response.content.decode()
    assert not Agreement.objects.exists()


def test_it_explains_an_unreadable_date(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]), _valid_post(due_on="next week")
    )
    assert "Enter a date, for example 15-10-2026." in response.content.decode()
    assert not Agreement.objects.exists()


def test_it_returns_errors_to_htmx_in_the_partial(teacher_client, conversation):
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]),
        _valid_post(what=""),
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 422
    assert content.strip().startswith('<div id="agreements"')
    assert "Write down what will be done." in content
    assert response["HX-Reswap"] == "outerHTML show:#add-agreement-heading:top"
    assert not Agreement.objects.exists()


def test_it_allows_a_date_in_the_past_and_says_it_is_overdue(teacher_client, conversation):
    # Agreements are sometimes written down a while after the conversation.
    response = teacher_client.post(
        reverse("agreement_add", args=[conversation.pk]),
        _valid_post(due_on=_days(-3).isoformat()),
        follow=True,
    )
    agreement = Agreement.objects.get()
    assert agreement.due_on == _days(-3)
    assert agreement.is_overdue
    content = response.content.decode()
    assert "Its date has already passed, so it shows as overdue." in content
    assert "badge--overdue" in content


def test_it_lets_the_groups_other_professional_add(teacher_client, child, coordinator):
    # The coordinator prepared it; the child's own teacher may still add agreements.
    conversation = factories.make_conversation(child, coordinator)
    response = teacher_client.post(reverse("agreement_add", args=[conversation.pk]), _valid_post())
    assert response.status_code == 302
    assert Agreement.objects.get().conversation == conversation


def test_it_lets_a_coordinator_add_to_their_own_conversation(
    coordinator_client, child, coordinator
):
    conversation = factories.make_conversation(child, coordinator)
    response = coordinator_client.post(
        reverse("agreement_add", args=[conversation.pk]), _valid_post()
    )
    assert response.status_code == 302
    assert Agreement.objects.count() == 1


def test_it_refuses_adding_by_others(
    teacher2_client, coordinator_client, other_coordinator_client, conversation
):
    url = reverse("agreement_add", args=[conversation.pk])
    for c in (teacher2_client, coordinator_client, other_coordinator_client):
        assert c.post(url, _valid_post()).status_code == 404
    assert not Agreement.objects.exists()


def test_it_sends_anonymous_adding_to_login(client, conversation):
    url = reverse("agreement_add", args=[conversation.pk])
    assert _login_redirect(client.post(url, _valid_post()), url)
    assert client.post(url, _valid_post(), headers={"HX-Request": "true"}).status_code == 401
    assert not Agreement.objects.exists()


def test_it_refuses_get_on_adding(teacher_client, conversation):
    assert teacher_client.get(reverse("agreement_add", args=[conversation.pk])).status_code == 405


# Changing and closing


def _update_post(agreement: Agreement, **overrides) -> dict[str, str]:
    data = {
        "who": agreement.who,
        "who_name": agreement.who_name,
        "what": agreement.what,
        "due_on": agreement.due_on.isoformat(),
        "check_how": agreement.check_how,
        "status": agreement.status,
        "status_note": agreement.status_note,
    }
    data.update(overrides)
    return data


def test_it_shows_the_change_form(teacher_client, agreement):
    response = teacher_client.get(reverse("agreement_update", args=[agreement.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Change the agreement" in content
    assert "Read a picture book together before bedtime</textarea>" in content
    assert f'value="{agreement.due_on.isoformat()}"' in content


def test_it_marks_an_agreement_done_with_a_note(teacher_client, agreement):
    response = teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(agreement, status="done", status_note="They read every evening now."),
        follow=True,
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DONE
    assert agreement.status_note == "They read every evening now."
    assert response.redirect_chain == [
        (reverse("agreement_list", args=[agreement.conversation_id]), 302)
    ]
    content = response.content.decode()
    assert "The agreement is saved." in content
    assert "They read every evening now." in content


def test_it_asks_why_an_agreement_is_dropped(teacher_client, agreement):
    response = teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(agreement, status="dropped", status_note=""),
    )
    assert response.status_code == 200
    assert "Say briefly why the agreement is dropped" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


def test_it_drops_an_agreement_with_a_reason(teacher_client, agreement):
    teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(agreement, status="dropped", status_note="Father works evenings now."),
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DROPPED
    assert agreement.status_note == "Father works evenings now."


def test_it_reopens_and_edits_an_agreement(teacher_client, conversation):
    agreement = _agreement(conversation, status="done", status_note="Went well")
    teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(
            agreement,
            status="open",
            who="professional",
            what="Send a photo of the reading corner",
            due_on=_days(5).isoformat(),
        ),
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN
    assert agreement.who == Agreement.Who.PROFESSIONAL
    assert agreement.what == "Send a photo of the reading corner"
    assert agreement.due_on == _days(5)


def test_it_keeps_required_fields_required_when_changing(teacher_client, agreement):
    response = teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]), _update_post(agreement, what="")
    )
    assert "Write down what will be done." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.what == "Read a picture book together before bedtime"


def test_it_returns_to_the_page_it_came_from(teacher_client, agreement, child):
    response = teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(agreement, status="done", next=child.get_absolute_url()),
    )
    assert response.status_code == 302
    assert response["Location"] == child.get_absolute_url()


def test_it_never_returns_to_another_site(teacher_client, agreement):
    response = teacher_client.post(
        reverse("agreement_update", args=[agreement.pk]),
        _update_post(agreement, status="done", next="https://evil.example/"),
    )
    assert response["Location"] == reverse("agreement_list", args=[agreement.conversation_id])


def test_it_hides_changing_from_others(
    teacher2_client, coordinator_client, other_coordinator_client, agreement
):
    url = reverse("agreement_update", args=[agreement.pk])
    for c in (teacher2_client, coordinator_client, other_coordinator_client):
        assert c.get(url).status_code == 404
        assert c.post(url, _update_post(agreement, status="done")).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OPEN


def test_it_sends_anonymous_changing_to_login(client, agreement):
    url = reverse("agreement_update", args=[agreement.pk])
    assert _login_redirect(client.get(url), url)


def test_it_refuses_other_methods_on_changing(teacher_client, agreement):
    url = reverse("agreement_update", args=[agreement.pk])
    assert teacher_client.put(url).status_code == 405
    assert teacher_client.delete(url).status_code == 405


# Open and overdue agreements on the child page and the home page


def test_it_shows_open_and_overdue_agreements_on_the_child_page(
    teacher_client, child, conversation
):
    _agreement(conversation, what="Late one", due_on=_days(-2))
    _agreement(conversation, what="Coming one", due_on=_days(7))
    _agreement(conversation, what="Finished one", status="done")
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert "Open agreements" in content
    assert "Late one" in content
    assert "Coming one" in content
    assert "Finished one" not in content
    assert content.count("badge--overdue") == 1
    assert content.index("Late one") < content.index("Coming one")


def test_it_offers_changing_on_the_child_page_only_to_who_may(
    teacher_client, coordinator_client, child, agreement
):
    url = reverse("agreement_update", args=[agreement.pk])
    assert url in teacher_client.get(child.get_absolute_url()).content.decode()
    content = coordinator_client.get(child.get_absolute_url()).content.decode()
    assert "Read a picture book together before bedtime" in content
    assert url not in content


def test_it_shows_the_professionals_open_agreements_on_home(
    teacher_client, child, conversation, coordinator, other_child, teacher2
):
    _agreement(conversation, what="Late one", due_on=_days(-2))
    _agreement(conversation, what="Coming one", due_on=_days(7))
    _agreement(conversation, what="Finished one", status="dropped", status_note="No need")
    # A colleague's conversation about a child in the teacher's group counts too.
    _agreement(factories.make_conversation(child, coordinator), what="Agreed with the coordinator")
    _agreement(factories.make_conversation(other_child, teacher2), what="Agreed in another group")
    content = teacher_client.get(reverse("home")).content.decode()
    assert "Open agreements" in content
    assert "Late one" in content
    assert "Coming one" in content
    assert "Agreed with the coordinator" in content
    assert "Finished one" not in content
    assert "Agreed in another group" not in content
    assert "1 agreement is past its date." in content
    assert content.count("badge--overdue") == 1
    assert content.index("Late one") < content.index("Coming one")
    assert child.get_absolute_url() in content
    assert reverse("agreement_list", args=[conversation.pk]) in content


def test_it_says_so_when_there_are_no_open_agreements(teacher_client, child):
    content = teacher_client.get(reverse("home")).content.decode()
    assert "No open agreements." in content


def test_it_caps_home_agreements_and_keeps_queries_constant(
    teacher_client, child, conversation, django_assert_max_num_queries
):
    for n in range(50):
        _agreement(conversation, what=f"Agreement number {n:02}", due_on=_days(n - 10))
    with django_assert_max_num_queries(8 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(reverse("home"))
    content = response.content.decode()
    assert content.count("agreement--compact agreement--overdue") == 10
    assert content.count('<li class="agreement') == 20
    assert "Agreement number 19" in content
    assert "Agreement number 20" not in content
    assert "These are the 20 due first, of 50 open agreements." in content
    assert "10 agreements are past their date." in content


def test_it_keeps_the_agreement_list_queries_constant(
    teacher_client, conversation, django_assert_max_num_queries
):
    for n in range(40):
        _agreement(conversation, what=f"Agreement number {n}", status="done" if n % 2 else "open")
    with django_assert_max_num_queries(6 + SESSION_RENEWAL_QUERIES + AUDIT_QUERIES):
        response = teacher_client.get(reverse("agreement_list", args=[conversation.pk]))
    assert response.content.decode().count('<li class="agreement') == 40
