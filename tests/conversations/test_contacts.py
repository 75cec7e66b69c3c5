from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Contact
from families.school_year import current_school_year
from tests import factories
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


def _contact(child, author, tone="positive", days_ago=1, **kwargs) -> Contact:
    kwargs.setdefault("channel", Contact.Channel.DROP_OFF_PICK_UP)
    kwargs.setdefault("school_year", current_school_year())
    return Contact.objects.create(
        child=child,
        author=author,
        tone=tone,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        **kwargs,
    )


def _summary(content: str, child) -> str:
    """The summary part of one child's contact cell, without its form."""
    start = content.index(f'id="contact-{child.pk}"')
    return content[start : content.index("<details", start)]


# The group page


def test_it_offers_two_tap_logging_on_the_group_page(teacher_client, group, child):
    content = teacher_client.get(group.get_absolute_url()).content.decode()
    assert f'action="{reverse("contact_log", args=[child.pk])}"' in content
    assert "Log contact" in content
    # Tap 1 opens the form, tap 2 on a tone saves; the channel is already chosen.
    assert 'value="drop_off_pick_up" checked' in content
    for tone in ("positive", "neutral", "concern"):
        assert f'name="tone" value="{tone}"' in content
    assert f'name="next" value="{group.get_absolute_url()}#contact-{child.pk}"' in content


def test_it_shows_the_last_contact_and_the_positive_share(teacher_client, teacher, group, child):
    _contact(child, teacher, "positive", days_ago=10)
    _contact(child, teacher, "positive", days_ago=8)
    _contact(child, teacher, "concern", days_ago=5)
    last = _contact(child, teacher, "positive", days_ago=2)
    # Last school year's contacts do not count in this year's share.
    _contact(child, teacher, "concern", days_ago=400, school_year=current_school_year() - 1)
    summary = _summary(teacher_client.get(group.get_absolute_url()).content.decode(), child)
    assert "3 of 4 positive this school year" in summary
    assert f"{timezone.localtime(last.occurred_at):%Y-%m-%d}" in summary
    assert 'class="tone tone--positive">positive' in summary
    assert "no positive contact yet" not in summary


def test_it_flags_children_without_positive_contact(teacher_client, teacher, group, child, family):
    only_concerns = factories.make_child(family, group, first_name="Elif")
    _contact(only_concerns, teacher, "concern", days_ago=3)
    _contact(only_concerns, teacher, "concern", days_ago=1)
    praised = factories.make_child(family, group, first_name="Deniz")
    _contact(praised, teacher, "positive")
    # A positive contact last year does not carry over.
    _contact(child, teacher, "positive", days_ago=400, school_year=current_school_year() - 1)
    content = teacher_client.get(group.get_absolute_url()).content.decode()

    assert "no positive contact yet" in _summary(content, only_concerns)
    assert "0 of 2 positive this school year" in _summary(content, only_concerns)
    assert 'class="tone tone--concern">concern' in _summary(content, only_concerns)
    assert "no positive contact yet" in _summary(content, child)
    assert "no positive contact yet" not in _summary(content, praised)
    assert "1 of 1 positive this school year" in _summary(content, praised)


def test_it_says_when_no_contact_was_logged(teacher_client, group, child):
    summary = _summary(teacher_client.get(group.get_absolute_url()).content.decode(), child)
    assert "No contact logged yet" in summary
    assert "no positive contact yet" in summary
    assert "positive this school year" not in summary


def test_it_keeps_group_page_queries_constant_with_contacts(
    teacher_client, teacher, group, location, django_assert_max_num_queries
):
    for n in range(55):
        family = factories.make_family(location)
        factories.make_guardian(family)
        factories.make_guardian(family)
        child = factories.make_child(family, group)
        for days_ago, tone in enumerate(("positive", "neutral", "concern", "positive")):
            _contact(child, teacher, tone if n % 5 else "concern", days_ago=days_ago + 1)
    with django_assert_max_num_queries(6 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(group.get_absolute_url())
    content = response.content.decode()
    assert content.count('class="contact-cell"') == 55
    assert content.count("2 of 4 positive this school year") == 44
    assert content.count("0 of 4 positive this school year") == 11
    # Two guardians and four contacts per child: the counts are not multiplied.
    assert content.count('data-label="Parents and carers">2</td>') == 55


# Logging a contact


def test_it_logs_a_contact_and_returns_to_the_group_page(teacher_client, teacher, group, child):
    next_url = f"{group.get_absolute_url()}#contact-{child.pk}"
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]),
        {
            "channel": "drop_off_pick_up",
            "tone": "positive",
            "note": "Proud of his drawing",
            "next": next_url,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    contact = Contact.objects.get()
    assert contact.child == child
    assert contact.author == teacher
    assert contact.channel == Contact.Channel.DROP_OFF_PICK_UP
    assert contact.tone == Contact.Tone.POSITIVE
    assert contact.note == "Proud of his drawing"
    assert contact.school_year == current_school_year()
    content = teacher_client.get(group.get_absolute_url()).content.decode()
    assert "Contact about Emre saved: positive." in content
    assert "1 of 1 positive this school year" in _summary(content, child)


def test_it_returns_to_the_child_page_without_next(teacher_client, child):
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]), {"channel": "phone", "tone": "neutral"}
    )
    assert response["Location"] == child.get_absolute_url()
    assert Contact.objects.get().channel == Contact.Channel.PHONE


def test_it_never_returns_to_another_site(teacher_client, child):
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]),
        {"channel": "message", "tone": "positive", "next": "https://evil.example/"},
    )
    assert response["Location"] == child.get_absolute_url()


def test_it_returns_the_contact_cell_to_htmx(teacher_client, teacher, group, child):
    _contact(child, teacher, "concern", days_ago=3)
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]),
        {"channel": "drop_off_pick_up", "tone": "positive", "next": group.get_absolute_url()},
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(f'<div class="contact-cell" id="contact-{child.pk}"')
    assert "<html" not in content
    assert "Saved (positive)." in content
    assert "1 of 2 positive this school year" in content
    assert "no positive contact yet" not in content
    assert "HX-Request" in response["Vary"]
    # The next URL keeps one anchor, however often the cell is swapped.
    assert f'value="{group.get_absolute_url()}#contact-{child.pk}"' in content
    assert Contact.objects.count() == 2


def test_it_refuses_a_contact_without_tone(teacher_client, child):
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]), {"channel": "phone"}, follow=True
    )
    assert "Not saved: choose how you had contact and tap the tone" in response.content.decode()
    assert not Contact.objects.exists()


def test_it_refuses_an_unknown_channel_to_htmx(teacher_client, child):
    response = teacher_client.post(
        reverse("contact_log", args=[child.pk]),
        {"channel": "carrier_pigeon", "tone": "positive"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Not saved: choose how you had contact" in response.content.decode()
    assert not Contact.objects.exists()


def test_it_lets_the_coordinator_log_a_contact(coordinator_client, coordinator, child):
    response = coordinator_client.post(
        reverse("contact_log", args=[child.pk]), {"channel": "phone", "tone": "neutral"}
    )
    assert response.status_code == 302
    assert Contact.objects.get().author == coordinator


def test_it_hides_logging_from_outsiders(teacher2_client, other_coordinator_client, child):
    url = reverse("contact_log", args=[child.pk])
    for c in (teacher2_client, other_coordinator_client):
        assert c.post(url, {"channel": "phone", "tone": "positive"}).status_code == 404
    assert not Contact.objects.exists()


def test_it_sends_anonymous_logging_to_login(client, child):
    url = reverse("contact_log", args=[child.pk])
    response = client.post(url, {"channel": "phone", "tone": "positive"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    htmx = client.post(
        url, {"channel": "phone", "tone": "positive"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 401
    assert not Contact.objects.exists()


def test_it_refuses_get_on_logging(teacher_client, child):
    assert teacher_client.get(reverse("contact_log", args=[child.pk])).status_code == 405


# The child page


def test_it_shows_contacts_on_the_child_page(teacher_client, teacher, coordinator, child):
    _contact(child, teacher, "concern", days_ago=4, note="Tired in the mornings")
    _contact(child, coordinator, "positive", days_ago=1, channel="phone", note="Called to thank")
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert "Informal contact with the parents" in content
    assert "1 of 2 positive this school year" in _summary(content, child)
    assert "Tired in the mornings" in content
    assert "Called to thank" in content
    assert content.index("Called to thank") < content.index("Tired in the mornings")
    assert "phone call" in content
    assert f'name="next" value="{child.get_absolute_url()}#contact-{child.pk}"' in content


def test_it_flags_the_child_page_without_positive_contact(teacher_client, teacher, child):
    _contact(child, teacher, "concern")
    content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert "no positive contact yet" in _summary(content, child)
    assert "0 of 1 positive this school year" in _summary(content, child)


def test_it_keeps_child_page_queries_constant_with_contacts(
    teacher_client, teacher, child, conversation, django_assert_max_num_queries
):
    for n in range(30):
        _contact(child, teacher, "positive" if n % 3 else "concern", days_ago=n + 1)
    with django_assert_max_num_queries(12 + SESSION_RENEWAL_QUERIES):
        content = teacher_client.get(child.get_absolute_url()).content.decode()
    assert "20 of 30 positive this school year" in content
    assert content.count("<time") == 6  # the last contact, and the five most recent
