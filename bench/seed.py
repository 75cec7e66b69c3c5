"""The benchmark's dataset: a school board of 20 locations.

At scale 1: 20 locations with 20 groups each (400 groups), 10,000 children in
8,000 families, 40,000 conversations (four per child: last year's
welbevindengesprek and progress talk, this year's welbevindengesprek, and this
year's progress talk in the location's meeting round), 100,000 agreements and
100,000 informal contacts, 100,000 audit entries, and for this year's
conversations the preparation texts, chosen questions, agenda, parents' links
and answers that a real year holds. Each location has a coordinator, a
professional per group with 40 slots in the round, and 60% of the round
already booked.

Beside the board, one more location holds the booking rush: 300 families,
one child each, in a round whose 60 slots all belong to one professional who
works with every group of it, so all 300 parents compete for the same 60.

Everything scales with `scale` except the rush and the per-child shape, so a
tenth of the board has a tenth of every table and the same pages. The data is
drawn from a fixed seed: the same scale and date give the same rows, and the
parents' tokens are derived from salts drawn from the seed (with the bench's
SECRET_KEY), so they are the same on every seed too.

`seed()` fills an empty database and returns the plan the load driver reads:
staff logins, the pages' ids and the parents' tokens. bench/run.py calls it
(`python bench/run.py --seed-only --scale 0.1` seeds without running).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from conversations import booking, parent_links, tokens
from conversations.models import (
    AgendaItem,
    Agreement,
    Booking,
    BookingSlot,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    Kind,
    ParentLink,
    Prompt,
    QuestionnaireAnswer,
    ReviewComment,
    Slot,
)
from families.models import (
    AuditEntry,
    Child,
    Enrolment,
    Family,
    Group,
    Guardian,
    Location,
    StaffMembership,
)
from families.school_year import current_school_year, school_year_of

SEED = 20260808
# Raise when the data changes shape: bench/run.py seeds again when the stored
# version differs.
SEED_VERSION = 1
# Every bench login has it: the bench database is thrown away.
PASSWORD = "bench-only-not-a-secret"  # noqa: S105

# The board at scale 1.
LOCATIONS = 20
GROUPS_PER_LOCATION = 20
CHILDREN = 10_000
FAMILIES = 8_000
AGREEMENTS_PER_CHILD = 10  # 4 last year's welbevindengesprek, 3 its progress talk, 3 this year
CONTACTS_PER_CHILD = 10
AUDIT_PER_CHILD = 10
SLOTS_PER_PROFESSIONAL = 40
BOOKED_SHARE = 0.6
# The rush.
RUSH_FAMILIES = 300
RUSH_SLOTS = 60
RUSH_GROUPS = 12
# Driver processes get their own conversation to autosave, link to book with.
WORKERS = 8

BATCH = 2_000

FIRST_NAMES = (
    "Emma Noah Julia Liam Mila Luca Sophie Sem Tess Daan Yara Finn Saar Milan Nora Levi Zoë "
    "Adam Lotte Mohammed Fenna Ayoub Evi Bram Lina Jesse Amira Sven Hiba Thijs Elif Emir "
    "Zeynep Yusuf Maja Jakub Oksana Taras Selam Dawit Ilse Ruben Noor Omar Fleur Ibrahim"
)
SURNAMES = (
    "de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,"
    "de Boer,Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen,Dekker,Brouwer,Yilmaz,"
    "Kaya,El Amrani,Bouzid,Nowak,Kowalski,Kovalenko,Shevchenko,Tesfaye,Haile,Demir,"
    "Öztürk,Benali,Mahmoud,Verhoeven,Kok,Jacobs,van der Linden,Willems,Schouten"
)
HOME_LANGUAGES = ("nl",) * 12 + ("tr", "ar", "pl", "uk", "en", "ti", "ber", "so")
AGENDA_TITLES = ("How the child feels in the group", "Friends and playing together", "At home")
TEXT_KEYS = ("prep_going_well", "prep_learn_at_home", "prep_need_from_parents")
ANSWERS = {
    "feeling": (["good"], ""),
    "happy_safe": (["familiar_face", "friends"], "Een knuffel in de tas helpt."),
    "at_home": (["drawing", "building"], ""),
    "topics": (["friends", "learning"], ""),
    "support": (["tips"], ""),
    "involvement": (["outings"], ""),
    "interpreter": (["no"], ""),
    "anything_else": ([], "Hij slaapt de laatste tijd slecht."),
}


@dataclasses.dataclass(frozen=True)
class Counts:
    locations: int
    groups: int
    children: int
    families: int

    @classmethod
    def at(cls, scale: float) -> Counts:
        locations = max(1, round(LOCATIONS * scale))
        groups = locations * GROUPS_PER_LOCATION
        children = max(groups, round(CHILDREN * scale))
        # Whole numbers per location, so every location looks the same.
        per_location = children // locations
        families = min(per_location, round(per_location * FAMILIES / CHILDREN))
        return cls(locations, groups, per_location * locations, families * locations)

    @property
    def children_per_location(self) -> int:
        return self.children // self.locations

    @property
    def families_per_location(self) -> int:
        return self.families // self.locations


def _bulk(model: Any, rows: Iterable[Any]) -> list[Any]:
    return model.objects.bulk_create(list(rows), batch_size=BATCH)


def _salt(n: int) -> str:
    return hashlib.sha256(f"{SEED}-link-{n}".encode()).hexdigest()


def seed(
    *,
    scale: float = 1.0,
    rush_families: int = RUSH_FAMILIES,
    rush_slots: int = RUSH_SLOTS,
    workers: int = WORKERS,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fill an empty database with the board and the rush; return the plan."""

    if Location.objects.filter(name__startswith="Bench ").exists():
        raise RuntimeError("This database holds a bench seed already: seed an empty one.")
    with transaction.atomic():
        return _Seeder(scale, rush_families, rush_slots, workers, say).run()


class _Seeder:
    def __init__(
        self,
        scale: float,
        rush_families: int,
        rush_slots: int,
        workers: int,
        say: Callable[[str], None],
    ) -> None:

        self.scale = scale
        self.counts = Counts.at(scale)
        self.rush_families = rush_families
        self.rush_slots = rush_slots
        self.workers = workers
        self.say = say
        self.first_names = FIRST_NAMES.split(" ")
        self.surnames = SURNAMES.split(",")
        self.rng = random.Random(SEED)  # noqa: S311 (made-up data, no secrets)
        self.year = current_school_year()
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.link_number = 0
        self.started = time.monotonic()

    def _step(self, what: str) -> None:
        self.say(f"  {time.monotonic() - self.started:6.1f}s  {what}")

    def _at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:

        return dt.datetime.combine(
            day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone()
        )

    # The whole run

    def run(self) -> dict[str, Any]:

        self.password_hash = make_password(PASSWORD)
        counts = self.counts
        self.say(
            f"Seeding {counts.locations} locations, {counts.groups} groups, "
            f"{counts.children} children in {counts.families} families (scale {self.scale})"
        )
        self._staff_and_groups()
        self._families_and_children()
        self._conversations()
        self._followup()
        self._preparation()
        self._links_and_answers()
        self._rounds()
        self._audit()
        self._rush()
        self._step("done")
        return self._plan()

    # Who

    def _staff_and_groups(self) -> None:

        user_model = get_user_model()
        counts = self.counts
        self.locations = _bulk(
            Location,
            (
                Location(
                    name=f"Bench Kindcentrum {n + 1:02}",
                    has_school=True,
                    has_after_school_care=n % 2 == 0,
                )
                for n in range(counts.locations)
            ),
        )
        self.groups: list[list[Group]] = []
        for location in self.locations:
            self.groups.append(
                _bulk(
                    Group,
                    (
                        Group(
                            location=location,
                            name=f"Groep {g // 3 + 1}{'abc'[g % 3]}",
                            setting=Group.Setting.SCHOOL,
                            school_year=self.year,
                            min_age=g // 3 + 4,
                            max_age=g // 3 + 5,
                        )
                        for g in range(GROUPS_PER_LOCATION)
                    ),
                )
            )
        users = []
        for n, _location in enumerate(self.locations, 1):
            users.append(self._user(f"bench-coordinator-{n:02}", "Coördinator", f"{n:02}"))
            users.extend(
                self._user(
                    f"bench-teacher-{n:02}-{g + 1:02}", self.first_names[g], f"Leerkracht {n:02}"
                )
                for g in range(GROUPS_PER_LOCATION)
            )
        users = _bulk(user_model, users)
        per_location = GROUPS_PER_LOCATION + 1
        self.coordinators = users[::per_location]
        self.teachers = [
            users[n * per_location + 1 : (n + 1) * per_location] for n in range(counts.locations)
        ]
        memberships = []
        for n, location in enumerate(self.locations):
            memberships.append(
                StaffMembership(
                    user=self.coordinators[n],
                    location=location,
                    role=StaffMembership.Role.COORDINATOR,
                    title="intern begeleider",
                )
            )
            memberships.extend(
                StaffMembership(
                    user=teacher,
                    location=location,
                    role=StaffMembership.Role.PROFESSIONAL,
                    title="leerkracht",
                )
                for teacher in self.teachers[n]
            )
        memberships = _bulk(StaffMembership, memberships)
        through = StaffMembership.groups.through
        _bulk(
            through,
            (
                through(staffmembership_id=membership.pk, group_id=group.pk)
                for membership, group in zip(
                    (m for m in memberships if m.role == StaffMembership.Role.PROFESSIONAL),
                    (group for groups in self.groups for group in groups),
                    strict=True,
                )
            ),
        )
        self._step(f"{len(users)} staff, {counts.groups} groups")

    def _user(self, username: str, first_name: str, last_name: str) -> Any:

        return get_user_model()(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@bench.example.org",
            password=self.password_hash,
        )

    def _families_and_children(self) -> None:

        counts = self.counts
        per_location = counts.children_per_location
        families_per_location = counts.families_per_location
        rng = self.rng
        families = []
        for location in self.locations:
            for f in range(families_per_location):
                families.append(
                    Family(
                        location=location,
                        name=f"Familie {rng.choice(self.surnames)}",
                        home_language=rng.choice(HOME_LANGUAGES),
                        interpreter_wanted=rng.random() < 0.04,
                        contact_notes="Liever bellen na 17 uur." if f % 9 == 0 else "",
                    )
                )
        families = _bulk(Family, families)
        guardians = []
        for f, family in enumerate(families):
            surname = family.name.removeprefix("Familie ")
            for g in range(1 if f % 5 == 0 else 2):
                guardians.append(
                    Guardian(
                        family=family,
                        first_name=rng.choice(self.first_names),
                        last_name=surname,
                        relation=Guardian.Relation.MOTHER if g == 0 else Guardian.Relation.FATHER,
                        email=f"ouder{f}-{g}@bench.example.org",
                        phone=f"06{f:08}",
                        preferred_language=family.home_language,
                        lives_with_children=not (g == 1 and f % 17 == 0),
                    )
                )
        self.guardians = _bulk(Guardian, guardians)
        self.guardians_of: dict[int, list[int]] = {}
        for guardian in self.guardians:
            self.guardians_of.setdefault(guardian.family_id, []).append(guardian.pk)
        children = []
        self.child_group: list[Any] = []
        for n, _location in enumerate(self.locations):
            mine = families[n * families_per_location : (n + 1) * families_per_location]
            siblings = per_location - families_per_location
            for k in range(per_location):
                if k < families_per_location:
                    family = mine[k]
                else:
                    family = mine[(k - families_per_location) * families_per_location // siblings]
                group = self.groups[n][k % GROUPS_PER_LOCATION]
                children.append(
                    Child(
                        family=family,
                        first_name=rng.choice(self.first_names),
                        last_name=family.name.removeprefix("Familie "),
                        date_of_birth=dt.date(
                            self.year - group.min_age - 1, rng.randint(1, 12), rng.randint(1, 28)
                        ),
                    )
                )
                self.child_group.append(group)
        self.children = _bulk(Child, children)
        _bulk(
            Enrolment,
            (
                Enrolment(child=child, group=group)
                for child, group in zip(self.children, self.child_group, strict=True)
            ),
        )
        self._step(f"{len(families)} families, {len(self.guardians)} guardians, children")

    def _teacher_of(self, index: int) -> Any:
        group = self.child_group[index]
        n = index // self.counts.children_per_location
        return self.teachers[n][self.groups[n].index(group)]

    # What

    def _conversations(self) -> None:

        Status = Conversation.Status
        rng = self.rng
        last_year = self.year - 1
        rows = []
        for k, child in enumerate(self.children):
            owner = self._teacher_of(k)
            ratings = {
                field: rng.randint(1, 4)
                for field in (
                    "parent_relatedness",
                    "parent_competence",
                    "parent_autonomy",
                    "own_relatedness",
                    "own_competence",
                    "own_autonomy",
                )
            }
            rows.append(
                Conversation(
                    child=child,
                    owner=owner,
                    kind=Kind.WELLBEING,
                    status=Status.FOLLOWED_UP,
                    school_year=last_year,
                    date=dt.date(last_year, 9, 15) + dt.timedelta(days=k % 40),
                    start_time=dt.time(15, 0),
                    **ratings,
                )
            )
            rows.append(
                Conversation(
                    child=child,
                    owner=owner,
                    kind=Kind.PROGRESS,
                    status=Status.HELD,
                    school_year=last_year,
                    date=dt.date(self.year, 2, 10) + dt.timedelta(days=k % 20),
                    start_time=dt.time(16, 0),
                )
            )
            phase = k % 5
            if phase < 3:
                status = Status.HELD if phase < 2 else Status.FOLLOWED_UP
                date: dt.date | None = self.today - dt.timedelta(days=k % 50 + 1)
            elif phase == 3:
                status, date = Status.PREPARED, self.today + dt.timedelta(days=k % 20 + 3)
            else:
                status, date = Status.DRAFT, None
            held = phase < 3
            rows.append(
                Conversation(
                    child=child,
                    owner=owner,
                    kind=Kind.WELLBEING,
                    status=status,
                    school_year=self.year,
                    date=date,
                    start_time=dt.time(14, 30) if date else None,
                    place="Lokaal groep" if date else "",
                    parent_needs=["first_contact"] if k % 3 == 0 else [],
                    talk_professional_seconds=600 if held else 0,
                    talk_parent_seconds=720 if held else 0,
                    review_requested_at=self.now if k % 97 == 0 else None,
                    review_requested_by=owner if k % 97 == 0 else None,
                    **(ratings if held and k % 10 < 7 else {}),
                )
            )
        self.conversations = _bulk(Conversation, rows)
        # Three per child, in order: last year's two, then this year's welbevindengesprek.
        self.current = self.conversations[2::3]
        through = Conversation.guardians.through
        _bulk(
            through,
            (
                through(conversation_id=conversation.pk, guardian_id=guardian_id)
                for conversation in self.conversations
                for guardian_id in self.guardians_of[conversation.child.family_id]
            ),
        )
        self._step(f"{len(self.conversations)} conversations")

    def _followup(self) -> None:

        Status = Agreement.Status
        rng = self.rng
        whos = list(Agreement.Who)
        agreements = []
        for n, conversation in enumerate(self.conversations):
            this_year = conversation.school_year == self.year
            many = 3 if this_year or n % 3 == 1 else 4
            for a in range(many):
                if this_year:
                    due = self.today + dt.timedelta(days=(n + a * 7) % 60 - 30)
                    status = Status.OPEN if (n + a) % 4 else Status.DONE
                else:
                    due = conversation.date + dt.timedelta(days=30 + a * 14)
                    status = Status.DONE if (n + a) % 5 else Status.DROPPED
                agreements.append(
                    Agreement(
                        conversation=conversation,
                        who=whos[(n + a) % len(whos)],
                        what=f"Afspraak {a + 1}: samen oefenen met {rng.choice(AGENDA_TITLES)}.",
                        due_on=due,
                        check_how="We bellen na twee weken.",
                        status=status,
                    )
                )
        _bulk(Agreement, agreements)
        tones = list(Contact.Tone)
        channels = list(Contact.Channel)
        contacts = []
        for k, child in enumerate(self.children):
            author = self._teacher_of(k)
            for c in range(CONTACTS_PER_CHILD):
                at = self.now - dt.timedelta(days=c * 29 + k % 13, hours=k % 7)
                contacts.append(
                    Contact(
                        child=child,
                        author=author,
                        channel=channels[(k + c) % len(channels)],
                        tone=tones[(k + c) % len(tones)],
                        note="Even bijgepraat bij het ophalen." if c % 2 else "",
                        occurred_at=at,
                        school_year=school_year_of(at.date()),
                    )
                )
        _bulk(Contact, contacts)
        comments = []
        for k, conversation in enumerate(self.current):
            if k % 41 == 0:
                n = k // self.counts.children_per_location
                comments.append(
                    ReviewComment(
                        conversation=conversation,
                        author=self.coordinators[n],
                        body="Mooi hoe je de ouders eerst liet vertellen.",
                    )
                )
        _bulk(ReviewComment, comments)
        self._step(f"{len(agreements)} agreements, {len(contacts)} contacts")

    def _preparation(self) -> None:

        prompts = list(
            Prompt.objects.active()
            .filter(location__isnull=True)
            .for_kind(Kind.WELLBEING)
            .order_by("pk")[:12]
        )
        texts, chosen, agenda = [], [], []
        for k, conversation in enumerate(self.current):
            owner = self._teacher_of(k)
            for key in TEXT_KEYS:
                texts.append(
                    ConversationText(
                        conversation=conversation,
                        key=key,
                        text="Ze helpt anderen graag en vertelt enthousiast over thuis.",
                        version=1,
                        updated_by=owner,
                    )
                )
            for p, prompt in enumerate(prompts[k % 4 : k % 4 + 4]):
                chosen.append(
                    ChosenPrompt(
                        conversation=conversation,
                        prompt=prompt,
                        need=prompt.need,
                        audience=prompt.audience,
                        text=prompt.text_nl,
                        position=p,
                    )
                )
            agenda.extend(
                AgendaItem(conversation=conversation, title=title, minutes=5, position=a)
                for a, title in enumerate(AGENDA_TITLES)
            )
        _bulk(ConversationText, texts)
        _bulk(ChosenPrompt, chosen)
        _bulk(AgendaItem, agenda)
        self._step(f"{len(texts)} texts, {len(chosen)} chosen questions, {len(agenda)} topics")

    def _links(
        self, conversations: Sequence[Any], *, first_guardian_only: bool = True
    ) -> list[Any]:
        """A link for the first guardian of each conversation's family, with a
        token derived from a salt drawn from the seed."""

        rows = []
        languages = set(settings.PARENT_LANGUAGES)
        for conversation in conversations:
            guardian_id = self.guardians_of[conversation.child.family_id][0]
            salt = _salt(self.link_number)
            self.link_number += 1
            # The derivation link_create uses, from a salt drawn from the seed.
            token = tokens.derive(salt, settings.SECRET_KEY, purpose=parent_links.LINK_PURPOSE)
            language = conversation.child.family.home_language
            rows.append(
                ParentLink(
                    conversation=conversation,
                    guardian_id=guardian_id,
                    salt=salt,
                    token_hash=parent_links.token_hash(token),
                    language=language if language in languages else "nl",
                    invited_at=self.now,
                )
            )
            rows[-1].token = token
        made = _bulk(ParentLink, rows)
        for link, row in zip(made, rows, strict=True):
            link.token = row.token
        return made

    def _links_and_answers(self) -> None:

        self.current_links = self._links(self.current)
        answers = []
        for k, link in enumerate(self.current_links):
            if k % 5 < 4 and k % 2 == 0:
                language = link.language
                answers.extend(
                    QuestionnaireAnswer(
                        link=link,
                        question=question,
                        choices=choices,
                        text=text,
                        text_language=language if text else "",
                    )
                    for question, (choices, text) in ANSWERS.items()
                )
                link.submitted_at = self.now
        _bulk(QuestionnaireAnswer, answers)
        type(self.current_links[0]).objects.bulk_update(
            self.current_links, ["submitted_at"], batch_size=BATCH
        )
        self._step(f"{len(self.current_links)} links, {len(answers)} answers")

    # Meeting rounds

    def _round(self, location: Any, groups: Sequence[Any], creator: Any, name: str) -> Any:

        return booking.round_create(
            location=location,
            name=name,
            kind=Kind.PROGRESS,
            groups=groups,
            slot_minutes=10,
            opens_at=self.now - dt.timedelta(days=1),
            closes_at=self.now + dt.timedelta(days=30),
            created_by=creator,
        )

    def _slots(self, meeting_round: Any, professional: Any, count: int) -> list[Any]:
        """`count` ten-minute slots from 08:00 on days 20 and 21 from now (20 a day
        for the locations' rounds; the rush's 60 fit in one long day)."""

        per_day = 20 if count <= 40 else count
        day = self.today + dt.timedelta(days=20)
        slots = []
        for s in range(count):
            starts = self._at(day + dt.timedelta(days=s // per_day), 8) + dt.timedelta(
                minutes=10 * (s % per_day)
            )
            slots.append(
                Slot(
                    meeting_round=meeting_round,
                    professional=professional,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=10),
                    place=f"Lokaal {professional.last_name}",
                )
            )
        return slots

    def _rounds(self) -> None:

        self.rounds = []
        slots = []
        for n, location in enumerate(self.locations):
            meeting_round = self._round(
                location, self.groups[n], self.coordinators[n], "Voortgangsgesprekken"
            )
            self.rounds.append(meeting_round)
            for teacher in self.teachers[n]:
                slots.extend(self._slots(meeting_round, teacher, SLOTS_PER_PROFESSIONAL))
        slots = _bulk(Slot, slots)
        by_teacher: dict[int, list[Any]] = {}
        for slot in slots:
            by_teacher.setdefault(slot.professional_id, []).append(slot)
        round_conversations = list(
            Conversation.objects.filter(meeting_round__in=self.rounds)
            .select_related("child__family")
            .order_by("pk")
        )
        by_child = {conversation.child_id: conversation for conversation in round_conversations}
        self.round_conversations = [by_child[child.pk] for child in self.children]
        self.round_links = self._links(self.round_conversations)
        # The driver's booking workers move their own bookings between the last
        # two slots of a teacher of the first location, which nothing else books.
        self.reserved: dict[int, list[Any]] = {
            teacher.pk: by_teacher[teacher.pk][-2:] for teacher in self.teachers[0][: self.workers]
        }
        used = dict.fromkeys(by_teacher, 0)
        bookings, held = [], []
        self.booked: set[int] = set()
        for k, conversation in enumerate(self.round_conversations):
            # 60% booked: the second to fourth child of every five in a group.
            if conversation.interpreter or (k // GROUPS_PER_LOCATION) % 5 not in {1, 2, 3}:
                continue
            teacher = self._teacher_of(k)
            slot = by_teacher[teacher.pk][used[teacher.pk]]
            if slot in self.reserved.get(teacher.pk, ()):
                continue
            used[teacher.pk] += 1
            bookings.append(
                Booking(
                    conversation=conversation,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    made_by_link=self.round_links[k],
                )
            )
            held.append(slot)
            local = timezone.localtime(slot.starts_at)
            conversation.date, conversation.start_time = local.date(), local.time()
            conversation.duration_minutes = 10
            conversation.place = slot.place
            self.booked.add(k)
        bookings = _bulk(Booking, bookings)
        _bulk(
            BookingSlot,
            (
                BookingSlot(booking=booking, slot=slot)
                for booking, slot in zip(bookings, held, strict=True)
            ),
        )
        Conversation.objects.bulk_update(
            [self.round_conversations[k] for k in self.booked],
            ["date", "start_time", "duration_minutes", "place"],
            batch_size=BATCH,
        )
        self._step(f"{len(self.rounds)} rounds, {len(slots)} slots, {len(bookings)} booked")

    def _audit(self) -> None:

        Record = AuditEntry.Record
        entries = []
        for k, child in enumerate(self.children):
            reader = self._teacher_of(k)
            conversation = self.current[k]
            for a in range(AUDIT_PER_CHILD):
                on_child = a % 2 == 0
                entries.append(
                    AuditEntry(
                        at=self.now - dt.timedelta(hours=a * 50 + k % 24),
                        user=reader,
                        action=AuditEntry.Action.VIEW,
                        record=Record.CHILD if on_child else Record.CONVERSATION,
                        object_id=child.pk if on_child else conversation.pk,
                        url_name="child_detail" if on_child else "conversation_detail",
                        path=f"/kinderen/{child.pk}/"
                        if on_child
                        else f"/gesprekken/{conversation.pk}/",
                    )
                )
        _bulk(AuditEntry, entries)
        self._step(f"{len(entries)} audit entries")

    # The rush

    def _rush(self) -> None:

        location = Location.objects.create(name="Bench Inschrijfavond", has_school=True)
        groups = _bulk(
            Group,
            (
                Group(
                    location=location,
                    name=f"Groep {g + 1}",
                    setting=Group.Setting.SCHOOL,
                    school_year=self.year,
                    min_age=4,
                    max_age=12,
                )
                for g in range(RUSH_GROUPS)
            ),
        )
        professional = _bulk(
            type(self.coordinators[0]), [self._user("bench-rush-teacher", "Rush", "Leerkracht")]
        )[0]
        membership = StaffMembership.objects.create(
            user=professional, location=location, role=StaffMembership.Role.PROFESSIONAL
        )
        membership.groups.set(groups)
        families = _bulk(
            Family,
            (
                Family(location=location, name=f"Familie Rush {f:03}")
                for f in range(self.rush_families)
            ),
        )
        guardians = _bulk(
            Guardian,
            (
                Guardian(
                    family=family,
                    first_name="Ouder",
                    last_name=f"Rush {f:03}",
                    relation=Guardian.Relation.PARENT,
                    email=f"rush{f}@bench.example.org",
                )
                for f, family in enumerate(families)
            ),
        )
        for guardian in guardians:
            self.guardians_of[guardian.family_id] = [guardian.pk]
        children = _bulk(
            Child,
            (
                Child(
                    family=family,
                    first_name="Kind",
                    last_name=f"Rush {f:03}",
                    date_of_birth=dt.date(self.year - 7, 3, 1),
                )
                for f, family in enumerate(families)
            ),
        )
        _bulk(
            Enrolment,
            (
                Enrolment(child=child, group=groups[f % RUSH_GROUPS])
                for f, child in enumerate(children)
            ),
        )
        self.rush_round = self._round(location, groups, professional, "Rush")
        self.rush_slot_rows = _bulk(
            Slot, self._slots(self.rush_round, professional, self.rush_slots)
        )
        conversations = list(
            Conversation.objects.filter(meeting_round=self.rush_round)
            .select_related("child__family")
            .order_by("child_id")
        )
        self.rush_links = self._links(conversations)
        self._step(f"rush: {len(self.rush_links)} families, {len(self.rush_slot_rows)} slots")

    # What the driver reads

    def _plan(self) -> dict[str, Any]:
        per_location = self.counts.children_per_location
        # The first location, its first group: the teacher's pages and their child.
        first_group = [k for k in range(per_location) if k % GROUPS_PER_LOCATION == 0]
        child_index = first_group[0]
        open_links = [
            link.token
            for k, link in enumerate(self.current_links)
            if k % 5 >= 3 and k < per_location
        ]
        booking_post, posting = [], set()
        for w, teacher in enumerate(self.teachers[0][: self.workers]):
            # A child of the teacher's group needing one slot: its booking, if it
            # has one, moves to the reserved slots.
            k = next(
                k
                for k in range(w, per_location, GROUPS_PER_LOCATION)
                if not self.round_conversations[k].interpreter
            )
            posting.add(k)
            conversation = self.round_conversations[k]
            booking_post.append(
                {
                    "token": self.round_links[k].token,
                    "values": [
                        f"{conversation.pk}:{slot.pk}" for slot in self.reserved[teacher.pk]
                    ],
                }
            )
        free = [
            link.token
            for k, link in enumerate(self.round_links)
            if k not in self.booked
            and k not in posting
            and not self.round_conversations[k].interpreter
        ]
        return {
            "seed": {
                "version": SEED_VERSION,
                "scale": self.scale,
                "seeded_on": self.today.isoformat(),
                "school_year": self.year,
            },
            "password": PASSWORD,
            "teacher": self.teachers[0][0].username,
            "coordinator": self.coordinators[0].username,
            "location_id": self.locations[0].pk,
            "child_id": self.children[child_index].pk,
            "conversation_id": self.current[child_index].pk,
            "autosave": [
                {"conversation_id": self.current[k].pk, "key": TEXT_KEYS[0]}
                for k in first_group[1 : self.workers + 1]
            ],
            "questionnaire": open_links[: self.workers * 4],
            "booking_page": free[: self.workers * 4],
            "booking_post": booking_post,
            "rush": {
                "round_id": self.rush_round.pk,
                "slot_ids": [slot.pk for slot in self.rush_slot_rows],
                "parents": [
                    {"token": link.token, "conversation_id": link.conversation_id}
                    for link in self.rush_links
                ],
            },
        }


def table_counts() -> dict[str, int]:
    """Rows per table of the board, for the seed's summary and its test."""

    board = Location.objects.filter(name__startswith="Bench Kindcentrum")
    return {
        "locations": board.count(),
        "groups": Group.objects.filter(location__in=board).count(),
        "children": Child.objects.filter(family__location__in=board).count(),
        "families": Family.objects.filter(location__in=board).count(),
        "conversations": Conversation.objects.filter(child__family__location__in=board).count(),
        "agreements": Agreement.objects.filter(
            conversation__child__family__location__in=board
        ).count(),
        "contacts": Contact.objects.filter(child__family__location__in=board).count(),
        "parent_links": ParentLink.objects.filter(
            conversation__child__family__location__in=board
        ).count(),
        "slots": Slot.objects.filter(meeting_round__location__in=board).count(),
        "bookings": Booking.objects.filter(conversation__child__family__location__in=board).count(),
        "audit_entries": AuditEntry.objects.count(),
    }


def rush_reset(plan: dict[str, Any]) -> None:
    """Free the rush round again: no bookings, the conversations undated."""

    round_id = plan["rush"]["round_id"]
    with transaction.atomic():
        Booking.objects.filter(conversation__meeting_round=round_id).delete()
        Conversation.objects.filter(meeting_round=round_id).update(
            date=None, start_time=None, place="", video_link=""
        )
