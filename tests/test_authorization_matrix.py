"""Who may open what: every named URL, requested as every role.

The URLs come from the URLconf, not from a hand-kept list, so a new view
without a row in EXPECTED, or with a URL kwarg this module cannot fill, fails
here instead of slipping through unchecked.

Roles, from tests/conftest.py: an anonymous visitor; `other_parent`, a parent
of another family who has just opened their own parent link; `teacher2`, a
professional of another group at the same location; `teacher`, who teaches
`child`'s group and owns the conversation; `other_coordinator`, of another
location; and `coordinator`, of `child`'s location.

Parent pages take no id, only a token, and the token is the whole permission:
whoever holds this family's token gets this family's pages, whoever holds
another token gets that family's. So their rows say what the holder of the
world's token gets (in every role), and test_it_refuses_wrong_and_dead_tokens
checks every parent URL with a guessed, a revoked and an expired token.

Every URL is requested with GET; the URLs that accept POST are also posted to
with empty data. Each request runs in a savepoint that is rolled back, so what
one role's POST changes cannot change what the next role sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conversations import booking, parent_links
from conversations.models import (
    AgendaItem,
    Agreement,
    Booking,
    ConversationText,
    MeetingRound,
    ParentLink,
    Prompt,
    Slot,
)
from conversations.steps import steps_for
from conversations.summary import SHARED_SUMMARY_KEY
from tests import factories

ROLES = ("anonymous", "other_parent", "teacher2", "teacher", "other_coordinator", "coordinator")

# URL prefixes that are not ours to check: Django's admin and language switch.
SKIPPED_PREFIXES = ("beheer/", "i18n/", "static/")

# Expected outcomes. LOGIN: a redirect to the login page. LOGIN_OR_401: the same,
# except that an htmx request gets 401 (families.access.staff_login_required).
# Numbers are status codes.
LOGIN = "login"
LOGIN_OR_401 = "login|401"
Outcome = int | str


@dataclasses.dataclass(frozen=True)
class Row:
    """Expected outcomes in ROLES order, for GET and (when the view takes it) POST."""

    get: tuple[Outcome, ...]
    post: tuple[Outcome, ...] | None = None


# A GET of a POST-only view is refused before anyone is asked to log in.
POST_ONLY = (405, 405, 405, 405, 405, 405)

# Parent pages: whoever holds the token gets the page, whatever else they are.
TOKEN_HOLDER_PAGE = (200, 200, 200, 200, 200, 200)
TOKEN_HOLDER_POST = (302, 302, 302, 302, 302, 302)

# Roles: anonymous, other_parent, teacher2, teacher, other_coordinator, coordinator (ROLES).
# Coordinators read their location's conversations but do not write in them;
# the prompt library and the roster import are theirs alone.
EXPECTED: dict[str, Row] = {
    "agenda_item_add": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 422, 404, 404)),
    "agenda_item_delete": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "agenda_item_move": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "agenda_item_update": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 422, 404, 404)),
    "agreement_add": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404)),
    "agreement_list": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "agreement_update": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404),
    ),
    # Meeting rounds (staff side, conversations.views.rounds): a professional
    # manages their own slots and the bookings of conversations they may edit;
    # the coordinator of the round's location manages all of the round.
    "booking_cancel_staff": Row(
        get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)
    ),
    "booking_extend": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "booking_move": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
    ),
    # The calendar feed's token is a professional's feed token, not a parent's:
    # KWARGS fills `token` with the world's parent token, which opens no feed,
    # so every role gets 404 (tests/booking/test_calendar_feed.py shows the
    # right token gives 200). Only GET and HEAD.
    "calendar_feed": Row(get=(404, 404, 404, 404, 404, 404), post=(405, 405, 405, 405, 405, 405)),
    # Every staff member may have a feed of their own; an empty POST names no
    # button (400 with an error notice).
    "calendar_feed_settings": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 400, 400, 400, 400),
    ),
    "child_audit_log": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "child_detail": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "child_search": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200)),
    "contact_log": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "conversation_create": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
    ),
    "conversation_detail": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "conversation_details": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404),
    ),
    "conversation_review": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "conversation_status": Row(
        get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)
    ),
    "coordination_agreements": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "coordination_agreements_csv": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "coordination_children": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "coordination_conversations": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "coordination_coverage_csv": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "family_detail": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "family_erase": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
    ),
    "family_export": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "family_export_json": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "group_detail": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "home": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200)),
    "interpreter_accept": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "location_overview": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "login": Row(get=(200, 200, 302, 302, 302, 302), post=(200, 200, 302, 302, 302, 302)),
    "logout": Row(get=POST_ONLY, post=(LOGIN, LOGIN, 302, 302, 302, 302)),
    "meeting_held": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "meeting_mode": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "meeting_notes_save": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "own_question_add": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 422, 404, 404)),
    # A token holder may book (GET the page, POST a choice) and cancel their
    # family's booking. An empty POST to parent_booking re-renders the page
    # with "Please choose a time first." (422); an empty POST to
    # parent_booking_cancel is the first step: the page asking to confirm (200).
    "parent_booking": Row(get=TOKEN_HOLDER_PAGE, post=(422, 422, 422, 422, 422, 422)),
    "parent_booking_cancel": Row(get=POST_ONLY, post=TOKEN_HOLDER_PAGE),
    "parent_home": Row(get=TOKEN_HOLDER_PAGE),
    "parent_language": Row(get=POST_ONLY, post=TOKEN_HOLDER_POST),
    "parent_link_create": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "parent_link_invite": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "parent_link_letter": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404)),
    "parent_link_revoke": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "parent_question": Row(get=TOKEN_HOLDER_PAGE, post=TOKEN_HOLDER_POST),
    "parent_review": Row(get=TOKEN_HOLDER_PAGE, post=TOKEN_HOLDER_POST),
    "parent_summary": Row(get=TOKEN_HOLDER_PAGE, post=(400, 400, 400, 400, 400, 400)),
    "parent_view_edit": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404),
    ),
    "preparation_print": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "preparation_start": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "preparation_step": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404),
    ),
    "privacy": Row(get=(200, 200, 200, 200, 200, 200)),
    "prompt_choose": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "prompt_create": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
    ),
    "prompt_delete": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 302)),
    "prompt_edit": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
    ),
    "prompt_list": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200)),
    "prompt_restore": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 302)),
    "prompt_retire": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 302)),
    "reflection_edit": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404),
    ),
    "review_comment_add": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "review_request": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "review_request_close": Row(
        get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 302)
    ),
    "roster_import": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 404, 404, 200),
    ),
    "round_book": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
    ),
    "round_create": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200),
    ),
    "round_day_print": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "round_detail": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "round_edit": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
    ),
    "round_list": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 200, 200, 200, 200)),
    "round_remind": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "round_slots_add": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
    ),
    "round_unbooked": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "slot_block": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "slot_delete": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 302)),
    "summary_edit": Row(
        get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200),
        post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404),
    ),
    "summary_print": Row(get=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 200)),
    "summary_regenerate": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 200, 404, 404)),
    "summary_share": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 302, 404, 404)),
    "talk_time_save": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 400, 404, 404)),
    "text_autosave": Row(get=POST_ONLY, post=(LOGIN_OR_401, LOGIN_OR_401, 404, 400, 404, 404)),
    "two_factor_disable": Row(get=POST_ONLY, post=(LOGIN, LOGIN, 302, 302, 302, 302)),
    # Only for a login that has given a current code; otherwise back to the two-step page.
    "two_factor_new_phone": Row(
        get=(LOGIN, LOGIN, 302, 302, 302, 302), post=(LOGIN, LOGIN, 302, 302, 302, 302)
    ),
    # Shown once, right after they were made; otherwise back to the two-step page.
    "two_factor_recovery_codes": Row(get=(LOGIN, LOGIN, 302, 302, 302, 302)),
    "two_factor_recovery_codes_new": Row(get=POST_ONLY, post=(LOGIN, LOGIN, 302, 302, 302, 302)),
    "two_factor_setup": Row(
        get=(LOGIN, LOGIN, 200, 200, 200, 200), post=(LOGIN, LOGIN, 200, 200, 200, 200)
    ),
    "two_factor_verify": Row(
        get=(LOGIN, LOGIN, 302, 302, 302, 302), post=(LOGIN, LOGIN, 302, 302, 302, 302)
    ),
}


@dataclasses.dataclass
class World:
    """The objects whose ids fill the URL kwargs."""

    child: Any
    family: Any
    group: Any
    location: Any
    conversation: Any
    agreement: Agreement
    agenda_item: AgendaItem
    prompt: Prompt
    parent_link: ParentLink
    meeting_round: MeetingRound
    slot: Slot
    booking: Booking


# How each URL kwarg is filled. A kwarg missing here fails test_it_fills_every_url_kwarg.
KWARGS: dict[str, Callable[[World], Any]] = {
    "child_id": lambda w: w.child.pk,
    "family_id": lambda w: w.family.pk,
    "group_id": lambda w: w.group.pk,
    "location_id": lambda w: w.location.pk,
    "conversation_id": lambda w: w.conversation.pk,
    "agreement_id": lambda w: w.agreement.pk,
    "item_id": lambda w: w.agenda_item.pk,
    "prompt_id": lambda w: w.prompt.pk,
    "step": lambda w: steps_for(w.conversation.kind)[0].slug,
    "guardian_id": lambda w: w.parent_link.guardian_id,
    "token": lambda w: w.parent_link.token,
    "number": lambda w: 1,
    "round_id": lambda w: w.meeting_round.pk,
    "slot_id": lambda w: w.slot.pk,
    "booking_id": lambda w: w.booking.pk,
    "day": lambda w: timezone.localdate(w.slot.starts_at).isoformat(),
}


def _walk(
    patterns: list[Any], prefix: str = "", kwargs: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...]]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        names = kwargs + tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, names


URLS: dict[str, tuple[str, ...]] = dict(_walk(get_resolver().url_patterns))


@pytest.fixture
def world(child, conversation, location, group, parent_link) -> World:
    # A shared summary, so that the parent's summary page has something to show.
    ConversationText.objects.create(
        conversation=conversation, key=SHARED_SUMMARY_KEY, text="We spraken over slapen."
    )
    conversation.summary_shared_at = timezone.now()
    conversation.save(update_fields=["summary_shared_at"])
    # The conversation is also in a meeting round (a draft without a date is
    # taken in), with the teacher's slots, the first of them booked.
    meeting_round = factories.make_round(
        location, [group], conversation.owner, kind=conversation.kind
    )
    slots = factories.make_slots(meeting_round, conversation.owner)
    conversation.refresh_from_db()
    (booked,) = booking.booking_make(choice=[(conversation.pk, [slots[0].pk])], link=parent_link)
    return World(
        child=child,
        family=child.family,
        group=group,
        location=location,
        conversation=conversation,
        agreement=Agreement.objects.create(
            conversation=conversation,
            who=Agreement.Who.PARENT,
            what="Samen lezen",
            due_on=conversation.created_at.date(),
        ),
        agenda_item=AgendaItem.objects.create(conversation=conversation, title="Slapen"),
        prompt=Prompt.objects.create(
            location=location,
            need="relatedness",
            audience="parent",
            phase="open",
            text_nl="Hoe gaat het thuis?",
        ),
        parent_link=parent_link,
        meeting_round=meeting_round,
        slot=slots[-1],
        booking=booked.booking,
    )


@pytest.fixture
def other_parent_client(other_family_link) -> Client:
    """A parent of another family, fresh from opening their own link."""
    parent = Client()
    assert parent.get(reverse("parent_home", args=[other_family_link.token])).status_code == 200
    return parent


@pytest.fixture
def clients(
    client,
    other_parent_client,
    teacher2_client,
    teacher_client,
    other_coordinator_client,
    coordinator_client,
):
    return dict(
        zip(
            ROLES,
            (
                client,
                other_parent_client,
                teacher2_client,
                teacher_client,
                other_coordinator_client,
                coordinator_client,
            ),
            strict=True,
        )
    )


def _request(client: Client, method: str, url: str, **headers: str) -> Any:
    with transaction.atomic():
        response = getattr(client, method)(url, headers=headers)
        transaction.set_rollback(True)
    return response


def _matches(expected: Outcome, client: Client, method: str, url: str) -> str | None:
    """None when the response is as expected, otherwise what happened instead."""
    response = _request(client, method, url)
    if expected in (LOGIN, LOGIN_OR_401):
        login = reverse(settings.LOGIN_URL)
        if response.status_code != 302 or not response["Location"].startswith(login):
            return f"{response.status_code} {response.get('Location', '')}".strip()
        htmx = _request(client, method, url, HX_Request="true")
        wanted = 401 if expected == LOGIN_OR_401 else 302
        if htmx.status_code != wanted:
            return f"{htmx.status_code} for htmx"
        return None
    if response.status_code != expected:
        return str(response.status_code)
    return None


def test_it_has_a_row_for_every_named_url():
    assert set(EXPECTED) == set(URLS)


def test_it_fills_every_url_kwarg():
    unknown = {
        f"{name}: {kwarg}"
        for name, kwargs in URLS.items()
        for kwarg in kwargs
        if kwarg not in KWARGS
    }
    assert not unknown, f"map these URL kwargs to an object in KWARGS: {sorted(unknown)}"


def test_it_expects_every_outsider_to_be_refused():
    """A typo in the table must not quietly let an outsider in."""
    outsiders = [ROLES.index("teacher2"), ROLES.index("other_coordinator")]
    for name, row in EXPECTED.items():
        if not URLS.get(name) or "token" in URLS[name]:
            # Pages about no object in particular (home, search) have no outsiders;
            # on parent pages the token decides (test_it_refuses_wrong_and_dead_tokens).
            continue
        for outcomes in filter(None, (row.get, row.post)):
            assert {outcomes[i] for i in outsiders} <= {404, 405}, name


@pytest.mark.parametrize("name", sorted(URLS))
def test_it_gives_each_role_what_the_table_says(name, world, clients):
    assert name in EXPECTED, f"add a row for the URL {name!r} to EXPECTED"
    assert set(URLS[name]) <= set(KWARGS), f"map the kwargs of {name!r} in KWARGS"
    url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]})
    row = EXPECTED[name]
    wrong = []
    for method, outcomes in (("get", row.get), ("post", row.post)):
        if outcomes is None:
            continue
        for role, expected in zip(ROLES, outcomes, strict=True):
            got = _matches(expected, clients[role], method, url)
            if got is not None:
                wrong.append(f"{method.upper()} as {role}: expected {expected}, got {got}")
    assert wrong == [], f"{name} ({url})"


# The calendar feed takes a token too, but a professional's (see its row).
PARENT_URLS = sorted(
    name for name, kwargs in URLS.items() if "token" in kwargs and name != "calendar_feed"
)


@pytest.mark.parametrize("name", PARENT_URLS)
def test_it_refuses_wrong_and_dead_tokens(name, world, clients):
    guessed = "A" * len(world.parent_link.token)
    revoked = factories.make_parent_link(
        world.conversation, factories.make_guardian(world.family, first_name="Kemal")
    )
    parent_links.link_revoke(link=revoked)
    expired = factories.make_parent_link(
        factories.make_conversation(world.child, world.conversation.owner, date=dt.date(2020, 1, 6))
    )
    kwargs = {kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]}
    wrong = []
    for token, status in ((guessed, 404), (revoked.token, 410), (expired.token, 410)):
        url = reverse(name, kwargs={**kwargs, "token": token})
        for role, client in clients.items():
            cache.clear()  # the rate limit is tested on its own
            for method in ("get", "post"):
                got = _request(client, method, url).status_code
                if got not in (status, 405):
                    wrong.append(f"{method.upper()} as {role} with a {status} token: got {got}")
    assert wrong == [], name
