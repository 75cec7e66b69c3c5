"""A professional's private calendar feed: the address a calendar app
subscribes to, and the page to make, renew and turn off that address."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from conversations import booking, calendar
from conversations.models import Booking, CalendarFeed, ConversationText, Slot
from families.models import StaffMembership
from tests import factories
from tests.booking.helpers import slots_of
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

# The feed: find it by its token (with its user), then its bookings.
FEED_QUERIES = 2


def _feed_url(feed: CalendarFeed) -> str:
    return calendar.feed_path(feed)


def _events(response) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def _dutch(text: str, **values: str) -> str:
    with translation.override("nl"):
        return gettext(text) % values


@pytest.fixture
def booked(round_link, round_conversation, meeting_round, teacher, teacher2, other_child):
    """Emre booked with `teacher` (Lokaal 3), Noor with `teacher2`."""
    first = slots_of(meeting_round, teacher)[1]
    Slot.objects.filter(pk=first.pk).update(place="Lokaal 3")
    [emre] = booking.booking_make(choice=[(round_conversation.pk, [first.pk])], link=round_link)
    noor_conversation = factories.round_conversation(meeting_round, other_child)
    [noor] = booking.booking_make(
        choice=[(noor_conversation.pk, [slots_of(meeting_round, teacher2)[0].pk])],
        user=teacher2,
        conversation=noor_conversation,
    )
    return emre.booking, noor.booking


@pytest.fixture
def feed(teacher):
    return calendar.feed_renew(user=teacher)


def test_it_serves_the_professionals_own_bookings(client, feed, booked):
    emre, noor = booked

    response = client.get(_feed_url(feed))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private"
    assert response["Referrer-Policy"] == "no-referrer"
    parsed = icalendar.Calendar.from_ical(response.content)
    assert parsed["METHOD"] == "PUBLISH"
    [event] = parsed.walk("VEVENT")
    assert str(event["UID"]) == emre.calendar_uid
    assert event["SEQUENCE"] == emre.sequence
    assert event["DTSTART"].dt == emre.starts_at
    assert event["DTEND"].dt == emre.ends_at
    assert str(event["SUMMARY"]) == _dutch(
        "Parent conversation %(child)s (%(group)s)", child="Emre", group="Groep 3"
    )
    assert str(event["LOCATION"]) == "Lokaal 3"
    description = str(event["DESCRIPTION"])
    assert _dutch("With both parents") in description
    assert reverse("conversation_detail", args=[emre.conversation_id]) in description
    assert noor.calendar_uid not in response.content.decode()


def test_it_shows_no_family_names_and_nothing_from_the_conversation(
    client, feed, booked, round_conversation
):
    ConversationText.objects.create(
        conversation=round_conversation, key="prep_going_well", text="Bouwt torens ZQX-feed"
    )
    round_conversation.place = "Lokaal 9 ZQX-feed"
    round_conversation.save()

    content = client.get(_feed_url(feed)).content.decode()

    assert "Emre" in content
    assert "Yilmaz" not in content  # neither the child's nor the parents' family name
    assert "Ayşe" not in content  # nor the parent who booked, for a time for both
    assert "ZQX-feed" not in content


def test_it_names_the_parent_who_comes_alone_by_first_name(
    client, teacher, round_link, round_conversation, meeting_round
):
    booking.booking_make(
        choice=[(round_conversation.pk, [slots_of(meeting_round, teacher)[0].pk])],
        link=round_link,
        alone=True,
    )
    feed = calendar.feed_renew(user=teacher)

    [event] = _events(client.get(_feed_url(feed)))

    assert str(event["DESCRIPTION"]).startswith(_dutch("With %(parent)s alone", parent="Ayşe"))
    assert "Yilmaz" not in str(event["DESCRIPTION"])


def test_it_shows_the_last_thirty_days_and_all_coming_ones(client, feed, booked):
    emre, _noor = booked
    now = timezone.now()
    Booking.objects.filter(pk=emre.pk).update(
        starts_at=now - dt.timedelta(days=29), ends_at=now - dt.timedelta(days=29, minutes=-10)
    )
    assert len(_events(client.get(_feed_url(feed)))) == 1

    Booking.objects.filter(pk=emre.pk).update(
        starts_at=now - dt.timedelta(days=31), ends_at=now - dt.timedelta(days=31, minutes=-10)
    )
    assert _events(client.get(_feed_url(feed))) == []


def test_it_stops_showing_children_the_professional_no_longer_works_with(
    client, feed, booked, teacher
):
    StaffMembership.objects.filter(user=teacher).delete()

    assert _events(client.get(_feed_url(feed))) == []


def test_it_reads_the_feed_in_a_fixed_number_of_queries(
    client, feed, round_conversation, meeting_round, teacher, group, django_assert_max_num_queries
):
    slots = slots_of(meeting_round, teacher)
    for index, slot in enumerate(slots):
        child = factories.make_child(
            factories.make_family(round_conversation.child.family.location), group
        )
        factories.make_guardian(child.family)
        booking.round_enrol(meeting_round=meeting_round)
        conversation = factories.round_conversation(meeting_round, child)
        conversation.interpreter = index % 2 == 0
        conversation.save()
        booking.booking_make(
            choice=[(conversation.pk, [slot.pk])], user=teacher, conversation=conversation
        )

    with django_assert_max_num_queries(FEED_QUERIES):
        response = client.get(_feed_url(feed))

    assert len(_events(response)) == len(slots)


def test_it_refuses_a_wrong_token(client, feed, booked, parent_link):
    token = calendar.feed_token(feed)
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")

    for url in (
        reverse("calendar_feed", args=[wrong]),
        reverse("calendar_feed", args=["short"]),
        # A parent's token opens parent pages, never a professional's calendar.
        reverse("calendar_feed", args=[parent_link.token]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert b"Emre" not in response.content


def test_it_refuses_an_address_that_guessed_too_often(client, feed, settings):
    settings.PARENT_LINK_LOOKUP_LIMIT = 3
    for _ in range(3):
        assert client.get(reverse("calendar_feed", args=["A" * 43])).status_code == 404

    response = client.get(_feed_url(feed))  # even the right one, for a while

    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.PARENT_LINK_LOOKUP_WINDOW)
    other_address = Client(REMOTE_ADDR="192.0.2.7")
    assert other_address.get(_feed_url(feed)).status_code == 200


def test_it_takes_only_get(client, feed):
    assert client.post(_feed_url(feed)).status_code == 405


# The settings page


def test_it_offers_to_make_an_address(teacher_client, teacher):
    response = teacher_client.get(reverse("calendar_feed_settings"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Make my calendar address" in content
    assert "No family names, no notes, nothing that was said." in content
    assert not CalendarFeed.objects.filter(user=teacher).exists()


def test_it_makes_an_address_and_shows_it_to_copy(teacher_client, teacher, client, booked):
    response = teacher_client.post(
        reverse("calendar_feed_settings"), {"action": "make"}, follow=True
    )

    feed = CalendarFeed.objects.get(user=teacher)
    url = "http://testserver" + _feed_url(feed)
    content = response.content.decode()
    assert "Your calendar address is ready." in content
    assert f'value="{url}"' in content
    assert 'href="webcal://testserver/agenda/' in content
    assert "Google" in content
    assert "Outlook" in content
    assert "iPhone, iPad or Mac" in content
    assert client.get(url).status_code == 200
    assert feed.token_hash != calendar.feed_token(feed)  # only the hash is stored


def test_it_makes_a_new_address_and_the_old_one_stops(teacher_client, teacher, client, feed):
    old = _feed_url(feed)

    response = teacher_client.post(
        reverse("calendar_feed_settings"), {"action": "renew"}, follow=True
    )

    assert "You have a new calendar address. The old one no longer works." in (
        response.content.decode()
    )
    new = _feed_url(CalendarFeed.objects.get(user=teacher))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_it_turns_the_address_off(teacher_client, teacher, client, feed):
    old = _feed_url(feed)

    response = teacher_client.post(reverse("calendar_feed_settings"), {"action": "off"})

    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(user=teacher).exists()
    assert client.get(old).status_code == 404


def test_it_shows_each_professional_only_their_own_address(teacher2_client, feed):
    content = teacher2_client.get(reverse("calendar_feed_settings")).content.decode()

    assert calendar.feed_token(feed) not in content
    assert "Make my calendar address" in content


def test_it_refuses_an_unknown_action(teacher_client, teacher):
    response = teacher_client.post(reverse("calendar_feed_settings"), {"action": "delete-all"})

    assert response.status_code == 400
    assert "Please choose one of the buttons." in response.content.decode()
    assert not CalendarFeed.objects.filter(user=teacher).exists()


def test_it_asks_a_visitor_to_log_in(client):
    response = client.get(reverse("calendar_feed_settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("calendar_feed_settings"), HTTP_HX_REQUEST="true").status_code == 401


def test_it_takes_only_get_and_post_on_the_settings_page(teacher_client):
    assert teacher_client.put(reverse("calendar_feed_settings")).status_code == 405
    assert teacher_client.delete(reverse("calendar_feed_settings")).status_code == 405


def test_it_shows_the_settings_page_in_a_few_queries(
    teacher_client, feed, django_assert_max_num_queries
):
    teacher_client.get(reverse("calendar_feed_settings"))  # the session is fresh after this

    # The user, the feed, the locations in the navigation, and whatever the
    # session costs.
    with django_assert_max_num_queries(3 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(reverse("calendar_feed_settings"))

    assert response.status_code == 200


# The feed's language: a calendar app asks in none, so the feed keeps the one
# the professional used when they made it, or chose since.


def _summary(client, feed) -> str:
    [event] = _events(client.get(_feed_url(feed)))
    return str(event["SUMMARY"])


def test_it_makes_the_address_in_the_language_of_the_page(teacher_client, teacher, client, booked):
    teacher_client.post(reverse("calendar_feed_settings"), {"action": "make"})

    feed = CalendarFeed.objects.get(user=teacher)
    assert feed.language == "en"
    assert _summary(client, feed) == "Parent conversation Emre (Groep 3)"
    parsed = icalendar.Calendar.from_ical(client.get(_feed_url(feed)).content)
    assert str(parsed["X-WR-CALNAME"]) == "Parent conversations (Samenspraak)"


def test_it_shows_the_feed_in_the_language_of_the_page_on_request(
    teacher_client, teacher, client, feed, booked
):
    assert feed.language == "nl"
    assert _summary(client, feed) == _dutch(
        "Parent conversation %(child)s (%(group)s)", child="Emre", group="Groep 3"
    )
    content = teacher_client.get(reverse("calendar_feed_settings")).content.decode()
    assert "Your calendar shows the conversations in Dutch." in content
    assert "Show them in English" in content

    response = teacher_client.post(
        reverse("calendar_feed_settings"), {"action": "language"}, follow=True
    )

    content = response.content.decode()
    assert "Your calendar shows the conversations in this language from now on." in content
    assert "Your calendar shows the conversations in English." in content
    assert "Show them in" not in content
    # The same address, now in English.
    assert CalendarFeed.objects.get(user=teacher).token_hash == feed.token_hash
    assert _summary(client, feed) == "Parent conversation Emre (Groep 3)"


def test_it_keeps_the_feed_in_a_staff_language(teacher):
    feed = calendar.feed_renew(user=teacher, language="tr")  # a parent language only
    assert feed.language == "nl"
