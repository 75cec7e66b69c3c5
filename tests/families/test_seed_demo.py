"""`manage.py seed_demo`: a realistic kindcentrum, the same after every run."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from conversations.models import (
    AgendaItem,
    Agreement,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    Kind,
)
from families.models import Child, Enrolment, Family, Group, Guardian, Location, StaffMembership
from families.school_year import current_school_year

DEMO_LOGINS = ("demo-teacher", "demo-teacher2", "demo-coordinator")
EXAMPLE_DOMAINS = ("@example.org", "@example.net", "@example.com")


@pytest.fixture
def demo_users_on(settings):
    settings.DEMO_USERS_ENABLED = True


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    """Everything the seed writes, by primary key, as plain values."""
    user_model = get_user_model()
    return {
        "locations": list(Location.objects.order_by("pk").values()),
        "groups": list(Group.objects.order_by("pk").values()),
        "families": list(Family.objects.order_by("pk").values()),
        "guardians": list(Guardian.objects.order_by("pk").values()),
        "children": list(Child.objects.order_by("pk").values()),
        "enrolments": list(Enrolment.objects.order_by("pk").values()),
        "memberships": list(StaffMembership.objects.order_by("pk").values()),
        "membership_groups": list(StaffMembership.groups.through.objects.order_by("pk").values()),
        "users": list(user_model.objects.order_by("pk").values()),
        "conversations": list(Conversation.objects.order_by("pk").values()),
        "conversation_guardians": list(
            Conversation.guardians.through.objects.order_by("pk").values()
        ),
        "texts": list(ConversationText.objects.order_by("pk").values()),
        "chosen_prompts": list(ChosenPrompt.objects.order_by("pk").values()),
        "agenda_items": list(AgendaItem.objects.order_by("pk").values()),
        "agreements": list(Agreement.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
    }


def _current_groups(child: Child) -> set[int]:
    return {
        enrolment.group_id
        for enrolment in child.enrolments.all()
        if enrolment.group.school_year == current_school_year()
    }


def test_it_changes_nothing_when_run_twice(db, demo_users_on):
    _seed()
    first = _snapshot()

    _seed()

    assert _snapshot() == first
    assert Child.objects.count() == len(first["children"])
    assert first["conversations"]
    assert first["agreements"]
    assert first["contacts"]


def test_it_completes_a_partial_run(db, demo_users_on):
    _seed()
    family = Family.objects.get(name="Familie Tesfay")
    expected_notes = family.contact_notes
    Family.objects.filter(pk=family.pk).update(contact_notes="", interpreter_wanted=False)
    Guardian.objects.filter(family=family).delete()
    Enrolment.objects.filter(group__school_year=current_school_year()).delete()
    teacher = get_user_model().objects.get(username="demo-teacher")
    teacher.set_password("something else")
    teacher.save()
    StaffMembership.objects.get(user=teacher).groups.clear()

    _seed()

    family.refresh_from_db()
    assert family.contact_notes == expected_notes
    assert family.interpreter_wanted
    assert family.guardians.count() == 2
    assert Enrolment.objects.filter(group__school_year=current_school_year()).count() > 70
    assert authenticate(username="demo-teacher", password="demo") == teacher
    assert list(StaffMembership.objects.get(user=teacher).groups.values_list("name")) == [
        ("Groep 3",)
    ]
    assert Family.objects.filter(name="Familie Tesfay").count() == 1


def test_it_builds_one_kindcentrum_with_school_bso_and_daycare_groups(db):
    _seed()

    location = Location.objects.get()
    assert location.name == "Kindcentrum De Vlinderboom"
    assert location.has_school
    assert location.has_after_school_care
    assert location.has_daycare
    current = Group.objects.current()
    assert current.filter(setting=Group.Setting.SCHOOL).count() >= 4
    assert current.filter(setting=Group.Setting.AFTER_SCHOOL).count() >= 1
    assert set(current.values_list("name", flat=True)) >= {"Groep 3", "Groep 5/6"}


def test_it_seeds_about_eighty_children_in_about_sixty_five_families(db):
    _seed()

    assert 70 <= Child.objects.count() <= 90
    assert 55 <= Family.objects.count() <= 75
    assert not Family.objects.filter(children=None).exists()
    assert not Family.objects.filter(guardians=None).exists()


def test_it_places_siblings_in_different_groups(db):
    _seed()

    families_with_siblings_apart = 0
    for family in Family.objects.prefetch_related("children__enrolments__group"):
        groups_per_child = [_current_groups(child) for child in family.children.all()]
        groups_per_child = [groups for groups in groups_per_child if groups]
        if len(groups_per_child) > 1 and len(set.union(*groups_per_child)) > 1:
            families_with_siblings_apart += 1
    assert families_with_siblings_apart >= 5


def test_it_puts_school_children_in_the_bso_too(db):
    _seed()

    in_bso = Child.objects.filter(
        enrolments__group__setting=Group.Setting.AFTER_SCHOOL,
        enrolments__group__school_year=current_school_year(),
    )
    in_school_and_bso = in_bso.filter(
        pk__in=Child.objects.filter(
            enrolments__group__setting=Group.Setting.SCHOOL,
            enrolments__group__school_year=current_school_year(),
        )
    )
    assert in_school_and_bso.count() >= 5


def test_it_speaks_many_home_languages(db):
    _seed()

    languages = set(Family.objects.values_list("home_language", flat=True))
    assert len(languages) >= 5
    assert {"nl", "ar", "tr", "pl", "uk", "ti"} <= languages
    # Some parents prefer another language than the one spoken at home.
    assert Guardian.objects.exclude(preferred_language=F("family__home_language")).count() >= 5


def test_it_has_a_family_that_wants_an_interpreter(db):
    _seed()

    family = Family.objects.filter(interpreter_wanted=True).first()
    assert family is not None
    assert family.home_language != "nl"
    assert "tolk" in family.contact_notes


def test_it_gives_separated_parents_their_own_contact_details(db):
    _seed()

    separated = Family.objects.filter(contact_notes__icontains="gescheiden")
    assert separated.count() >= 3
    for family in separated:
        guardians = list(family.guardians.all())
        assert len(guardians) >= 2
        emails = [guardian.email for guardian in guardians]
        phones = [guardian.phone for guardian in guardians]
        assert all(emails)
        assert len(set(emails)) == len(emails)
        assert len(set(phones)) == len(phones)
    assert Guardian.objects.filter(family__in=separated, lives_with_children=False).exists()
    assert separated.filter(
        contact_notes__contains="Ouders gescheiden: beide ouders apart uitnodigen."
    ).exists()


def test_it_has_a_foster_family_and_a_carer_without_parental_authority(db):
    _seed()

    assert Guardian.objects.filter(relation=Guardian.Relation.FOSTER_PARENT).exists()
    assert Guardian.objects.filter(
        relation=Guardian.Relation.CARER, has_parental_authority=False
    ).exists()


def test_it_keeps_last_years_group_as_history(db):
    _seed()

    year = current_school_year()
    moved_up = Child.objects.filter(
        enrolments__group__name="Groep 3", enrolments__group__school_year=year
    ).filter(enrolments__group__school_year=year - 1)
    assert moved_up.exists()
    left = Child.objects.exclude(left_on=None).get()
    assert not left.enrolments.filter(group__school_year=year).exists()
    assert left.enrolments.filter(group__school_year=year - 1).exists()


def test_it_gives_every_child_an_age_that_fits_their_groups(db):
    _seed()

    for enrolment in Enrolment.objects.select_related("child", "group"):
        group = enrolment.group
        age = enrolment.child.age_on(dt.date(group.school_year, 8, 1))
        assert group.min_age <= age <= group.max_age, enrolment
        assert enrolment.child.date_of_birth < timezone.localdate()


def test_it_uses_only_example_addresses(db, demo_users_on):
    _seed()

    emails = [
        *Guardian.objects.exclude(email="").values_list("email", flat=True),
        *get_user_model().objects.values_list("email", flat=True),
    ]
    assert emails
    assert all(email.endswith(EXAMPLE_DOMAINS) for email in emails)
    assert all(
        phone.startswith("06-") for phone in Guardian.objects.values_list("phone", flat=True)
    )


def test_it_creates_demo_logins_when_demo_users_are_enabled(db, demo_users_on):
    output = _seed()

    assert "Demo logins (password: demo):" in output
    for username in DEMO_LOGINS:
        assert username in output
        user = authenticate(username=username, password="demo")
        assert user is not None
        assert user.first_name
        assert user.last_name
        assert user.email.endswith("@example.org")
    teacher = StaffMembership.objects.get(user__username="demo-teacher")
    assert teacher.role == StaffMembership.Role.PROFESSIONAL
    assert [group.name for group in teacher.groups.current()] == ["Groep 3"]
    teacher2 = StaffMembership.objects.get(user__username="demo-teacher2")
    assert [group.name for group in teacher2.groups.current()] == ["Groep 5/6"]
    coordinator = StaffMembership.objects.get(user__username="demo-coordinator")
    assert coordinator.role == StaffMembership.Role.COORDINATOR
    assert coordinator.title == "intern begeleider"
    assert coordinator.location.name == "Kindcentrum De Vlinderboom"


def test_it_gives_colleagues_no_password(db, demo_users_on):
    _seed()

    colleagues = get_user_model().objects.exclude(username__in=DEMO_LOGINS)
    assert colleagues.exists()
    assert not any(user.has_usable_password() for user in colleagues)


def test_it_creates_no_users_when_demo_users_are_disabled(db, settings):
    settings.DEMO_USERS_ENABLED = False

    output = _seed()

    assert not get_user_model().objects.exists()
    assert not Conversation.objects.exists()
    assert not Agreement.objects.exists()
    assert not Contact.objects.exists()
    assert "Demo logins" not in output
    assert "no logins created" in output
    assert Child.objects.count() >= 70


def test_it_shows_the_demo_teachers_conversations_in_every_stage(db, demo_users_on):
    _seed()

    today = timezone.localdate()
    mine = Conversation.objects.filter(owner__username="demo-teacher", meeting_round__isnull=True)
    assert {(c.kind, c.status) for c in mine} == {
        (Kind.WELLBEING, Conversation.Status.PREPARED),
        (Kind.PROGRESS, Conversation.Status.HELD),
        (Kind.CONCERN, Conversation.Status.DRAFT),
    }
    for conversation in mine:
        assert conversation.child.enrolments.filter(
            group__name="Groep 3", group__school_year=current_school_year()
        ).exists()
    welcome = mine.get(kind=Kind.WELLBEING)
    assert today < welcome.date <= today + dt.timedelta(days=7)
    assert welcome.texts.filter(key__startswith="prep_").count() >= 3
    prompts = list(welcome.chosen_prompts.all())
    assert len([p for p in prompts if not p.is_own]) == 4
    assert len([p for p in prompts if p.is_own]) == 1
    for chosen in prompts:
        if chosen.prompt is not None:
            assert chosen.prompt.location is None
            assert chosen.text == chosen.prompt.text_nl
    agenda = list(welcome.agenda_items.all())
    assert len(agenda) == 4
    sources = [item.source for item in agenda]
    assert sources == sorted(sources, key=lambda source: source != AgendaItem.Source.PARENT)
    assert sources[0] == AgendaItem.Source.PARENT

    progress = mine.get(kind=Kind.PROGRESS)
    assert progress.date < today
    assert progress.texts.filter(key="summary").exists()
    assert progress.texts.filter(key__startswith="agenda-").exists()
    agreements = progress.agreements.all()
    assert agreements.count() == 3
    assert agreements.filter(status=Agreement.Status.DONE).count() == 1
    assert agreements.overdue().count() == 1
    assert agreements.open().exclude(pk__in=agreements.overdue()).count() == 1

    reflected = Conversation.objects.get(
        owner__username="demo-teacher2", meeting_round__isnull=True
    )
    assert reflected.kind == Kind.WELLBEING
    assert reflected.status == Conversation.Status.HELD
    assert reflected.own_competence is not None
    assert reflected.texts.get(key="reflection_note").text


def test_it_logs_mostly_positive_informal_contacts(db, demo_users_on):
    _seed()

    contacts = Contact.objects.filter(school_year=current_school_year())
    assert 25 <= contacts.count() <= 35
    tones = [contact.tone for contact in contacts]
    assert tones.count(Contact.Tone.POSITIVE) > len(tones) / 2
    assert Contact.Tone.NEUTRAL in tones
    assert Contact.Tone.CONCERN in tones
    assert {
        contact.child.enrolments.get(
            group__school_year=current_school_year(), group__setting="school"
        ).group.name
        for contact in contacts
    } == {"Groep 3", "Groep 5/6"}
    assert all(contact.occurred_at <= timezone.now() for contact in contacts)
    only_worries = [
        child
        for child in Child.objects.filter(contacts__isnull=False).distinct()
        if set(child.contacts.values_list("tone", flat=True)) == {Contact.Tone.CONCERN}
    ]
    assert len(only_worries) == 2
