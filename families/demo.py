"""The demo kindcentrum that `manage.py seed_demo` builds.

Every name, address and number here is invented. The plan is a pure function
of a random generator and the school year, and `demo_seed` writes it keyed on
natural keys (location and group names, family names, people's names), so
seeding again with the same seed changes nothing and seeding after an older or
interrupted run converges on the same data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.utils import timezone

from conversations import demo_rounds
from conversations.models import (
    AgendaItem,
    Agreement,
    Audience,
    ChosenPrompt,
    Contact,
    Conversation,
    ConversationText,
    Kind,
    Need,
    ParentLink,
    Prompt,
    QuestionnaireAnswer,
    ReviewComment,
)
from conversations.parent_links import link_create
from conversations.services import DEFAULT_MINUTES, agenda_sync_parent_topics
from families.languages import Language
from families.models import Child, Enrolment, Family, Group, Guardian, Location, StaffMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

LOCATION_NAME = "Kindcentrum De Vlinderboom"
DEMO_PASSWORD = "demo"  # noqa: S105 - printed on screen for local development only

Setting = Group.Setting
Relation = Guardian.Relation
Role = StaffMembership.Role
L = Language


@dataclasses.dataclass(frozen=True)
class GroupSpec:
    name: str
    setting: str
    min_age: int
    max_age: int

    def birth_window(self, year: int) -> tuple[dt.date, dt.date]:
        """Birth dates for which a child's age stays in this group's range from
        the first to the last day of the school year that starts in `year`."""
        return dt.date(year - self.max_age, 8, 1), dt.date(year - self.min_age, 8, 1)

    def fits(self, born: dt.date, year: int) -> bool:
        first, last = self.birth_window(year)
        return first <= born <= last


DAYCARE = GroupSpec("Kdv De Rupsjes", Setting.DAYCARE, 0, 4)
KLEUTERS = GroupSpec("Groep 1-2A", Setting.SCHOOL, 4, 6)
GROEP_3 = GroupSpec("Groep 3", Setting.SCHOOL, 6, 7)
GROEP_4 = GroupSpec("Groep 4", Setting.SCHOOL, 7, 8)
GROEP_5_6 = GroupSpec("Groep 5/6", Setting.SCHOOL, 8, 10)
GROEP_7 = GroupSpec("Groep 7", Setting.SCHOOL, 10, 11)
GROEP_8 = GroupSpec("Groep 8", Setting.SCHOOL, 11, 12)
BSO = GroupSpec("BSO De Boomhut", Setting.AFTER_SCHOOL, 4, 12)

# Daycare and school groups in the order children move through them; a child
# is in exactly one of these per school year, and may be in the bso as well.
STAGES = (DAYCARE, KLEUTERS, GROEP_3, GROEP_4, GROEP_5_6, GROEP_7, GROEP_8)
GROUP_SPECS = (*STAGES, BSO)

# How many children each current group holds once the special families below
# and the generated ones are placed.
GROUP_SIZES = {
    DAYCARE: 8,
    KLEUTERS: 14,
    GROEP_3: 12,
    GROEP_4: 11,
    GROEP_5_6: 14,
    GROEP_7: 10,
    GROEP_8: 10,
}

# Home languages of the generated families, on top of the special ones.
GENERATED_FAMILIES = {
    L.DUTCH: 28,
    L.TURKISH: 5,
    L.ARABIC: 4,
    L.BERBER: 4,
    L.POLISH: 3,
    L.PAPIAMENTU: 3,
    L.UKRAINIAN: 2,
    L.ENGLISH: 2,
    L.TIGRINYA: 1,
}
GENERATED_IN_BSO = 10
SHARE_ENROLLED_LAST_YEAR = 0.85

EMAIL_DOMAINS = ("example.org", "example.net", "example.com")

CONTACT_NOTES = (
    "Moeder werkt in ploegendienst; bellen kan het best na 16.00 uur.",
    "Liever contact via e-mail dan telefonisch.",
    "Opa haalt op dinsdag en donderdag op.",
    "Vader werkt 's avonds; gesprekken liefst overdag.",
    "Ouders komen graag samen; plannen kan het best op woensdagmiddag.",
    "Moeder leest graag een korte samenvatting na het gesprek.",
)


@dataclasses.dataclass(frozen=True)
class NamePool:
    surnames: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


NAME_POOLS = {
    L.DUTCH: NamePool(
        surnames=_names(
            "de Vries, Jansen, van den Berg, van Dijk, Smit, Meijer, de Boer, de Groot, Bos, Vos,"
            "Peters, Hendriks, van Leeuwen, Dekker, Brouwer, Smits, Kok, Vermeulen, Willems,"
            "Koster, Prins, Huisman, Kuipers, van Wijk, Postma, Kramer, Verhoeven, Timmermans,"
            "Groen, Gerritsen, Wouters, van der Linden, Molenaar, Veenstra, Scholten, Boersma,"
            "van Beek, Hofman, Blom, Sanders"
        ),
        girls=_names(
            "Sanne, Lotte, Emma, Julia, Fenna, Noor, Saar, Isa, Evi, Lieke, Mila, Anouk, Nina,"
            "Sophie, Jip, Liv, Puck, Floor, Hanna, Roos"
        ),
        boys=_names(
            "Daan, Bram, Lucas, Finn, Thijs, Ruben, Luuk, Teun, Stijn, Gijs, Jens, Siem, Mees,"
            "Olivier, Hugo, Ties, Koen, Sem, Jesse, Milan"
        ),
        women=_names(
            "Marieke, Esther, Linda, Inge, Femke, Marloes, Judith, Anne, Ilse, Karin, Miriam,"
            "Renske, Eline, Petra, Nicole"
        ),
        men=_names(
            "Mark, Jeroen, Bas, Sander, Tim, Martijn, Niels, Rick, Wouter, Erik, Joost, Maarten,"
            "Dennis, Pieter, Thomas"
        ),
    ),
    L.ARABIC: NamePool(
        surnames=_names(
            "El Amrani, Bouzid, Haddad, Mansour, Saleh, Darwish, Nasser, Khalil, Hamdan,"
            "Al-Masri, Benali, Chaouch, El Khayari, Ziani, Mahmoud"
        ),
        girls=_names("Yasmina, Amira, Lina, Salma, Hiba, Malak, Sara, Nour, Aya, Rim"),
        boys=_names("Adam, Youssef, Omar, Ilyas, Zakaria, Rayan, Bilal, Hamza, Sami, Ismail"),
        women=_names("Fatima, Samira, Rania, Huda, Latifa, Nadia, Souad, Layla"),
        men=_names("Mohamed, Karim, Ahmad, Samir, Khalid, Tarik, Nabil, Rachid"),
    ),
    L.BERBER: NamePool(
        surnames=_names(
            "Amghar, Azzouzi, Tahiri, Ouali, Aouragh, Ahajjam, Akalay, Boukhari, Ait Taleb, Ouchen"
        ),
        girls=_names("Imane, Dounia, Nora, Kenza, Tiziri, Sanae, Ikram, Lamia"),
        boys=_names("Ayoub, Anass, Ilyas, Amine, Soufiane, Younes, Idir, Yassin"),
        women=_names("Naima, Khadija, Malika, Fadma, Zohra, Hafsa"),
        men=_names("Hassan, Mustafa, Abdelkader, Driss, Brahim, Mimoun"),
    ),
    L.TURKISH: NamePool(
        surnames=_names(
            "Yilmaz, Kaya, Demir, Çelik, Şahin, Aydın, Öztürk, Arslan, Doğan, Koç, Kurt,"
            "Özdemir, Aksoy, Polat"
        ),
        girls=_names("Elif, Zeynep, Defne, Ecrin, Asya, Eylül, Azra, Nehir"),
        boys=_names("Emir, Yusuf, Kerem, Efe, Mert, Alperen, Ömer, Kaan"),
        women=_names("Ayşe, Emine, Hatice, Derya, Gül, Esra, Sibel, Özlem"),
        men=_names("Mehmet, Mustafa, Hasan, Murat, Emre, Serkan, Hakan, Ali"),
    ),
    L.POLISH: NamePool(
        surnames=_names(
            "Nowak, Wójcik, Mazur, Krawczyk, Kaczmarek, Pawlak, Michalak, Sikora, Baran, Król"
        ),
        girls=_names("Zofia, Hanna, Maja, Lena, Julia, Alicja, Oliwia, Pola"),
        boys=_names("Jakub, Antoni, Szymon, Filip, Jan, Franciszek, Aleksander, Kacper"),
        women=_names("Agnieszka, Katarzyna, Magdalena, Joanna, Monika, Ewa"),
        men=_names("Piotr, Tomasz, Paweł, Krzysztof, Marcin, Łukasz"),
    ),
    L.UKRAINIAN: NamePool(
        surnames=_names(
            "Kovalenko, Bondarenko, Tkachenko, Kravchenko, Melnyk, Boyko, Moroz, Tkachuk,"
            "Savchenko, Rudenko"
        ),
        girls=_names("Sofiia, Anastasiia, Daryna, Polina, Viktoriia, Zlata, Solomiia"),
        boys=_names("Maksym, Artem, Danylo, Matvii, Bohdan, Nazar, Denys"),
        women=_names("Olena, Iryna, Oksana, Tetiana, Nataliia, Yuliia"),
        men=_names("Andrii, Serhii, Oleksandr, Dmytro, Vasyl, Yurii"),
    ),
    L.TIGRINYA: NamePool(
        surnames=_names(
            "Tesfay, Gebremedhin, Haile, Berhane, Kidane, Woldu, Tekle, Gebremariam, Asfaha,"
            "Mebrahtu, Habte"
        ),
        girls=_names("Selam, Yohana, Luwam, Saba, Ruth, Eden, Soliana, Winta"),
        boys=_names("Nahom, Filmon, Yonas, Robel, Natnael, Abel, Aron, Kibrom"),
        women=_names("Helen, Senait, Mebrat, Tsega, Freweyni, Letekidan"),
        men=_names("Mehari, Dawit, Amanuel, Tesfalem, Yemane, Berhe"),
    ),
    L.ENGLISH: NamePool(
        surnames=_names(
            "Walker, Thompson, Campbell, Murphy, Okafor, Patel, Hughes, Bennett, Fraser, O'Connor"
        ),
        girls=_names("Amelia, Isla, Chloe, Grace, Ava, Freya, Poppy, Maeve"),
        boys=_names("Oliver, Harry, Leo, Jack, Noah, Theo, Arthur, Callum"),
        women=_names("Sarah, Emily, Rachel, Claire, Hannah, Laura"),
        men=_names("James, Daniel, Tom, Chris, Ben, Andrew"),
    ),
    L.PAPIAMENTU: NamePool(
        surnames=_names(
            "Martina, Isenia, Cijntje, Statia, Maduro, Profas, Sulvaran, Girigorie, Janga, Doran,"
            "Faneyte"
        ),
        girls=_names("Shanaya, Naomi, Kayra, Dayenne, Jamaly, Zuleyka, Liandra, Roshaira"),
        boys=_names("Jeandro, Shurendy, Giovanni, Jurick, Rignaldo, Dyron, Quincy, Jaydon"),
        women=_names("Xiomara, Marisol, Shirley, Sharine, Giselle, Rosaly"),
        men=_names("Edsel, Rignald, Eugene, Ryan, Jurgen, Sherwin"),
    ),
}

# Mothers in these families usually keep their own surname.
OWN_SURNAME_LANGUAGES = {L.ARABIC, L.BERBER, L.TIGRINYA}


@dataclasses.dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    title: str
    groups: tuple[GroupSpec, ...] = ()
    can_log_in: bool = False

    @property
    def email(self) -> str:
        return f"{_slug(self.first_name)}.{_slug(self.last_name)}@example.org"


DEMO_STAFF = (
    StaffSpec(
        "demo-teacher", "Fatima", "El Idrissi", Role.PROFESSIONAL, "leerkracht", (GROEP_3,), True
    ),
    StaffSpec(
        "demo-teacher2", "Joris", "Hoogland", Role.PROFESSIONAL, "leerkracht", (GROEP_5_6,), True
    ),
    StaffSpec(
        "demo-coordinator", "Marit", "Verbeek", Role.COORDINATOR, "intern begeleider", (), True
    ),
    # Colleagues without a password, so that every group has its people.
    StaffSpec("demo-anouk", "Anouk", "Verbruggen", Role.PROFESSIONAL, "leerkracht", (KLEUTERS,)),
    StaffSpec("demo-ellen", "Ellen", "Schipper", Role.PROFESSIONAL, "leerkracht", (GROEP_3,)),
    StaffSpec("demo-rachid", "Rachid", "Benhaddou", Role.PROFESSIONAL, "leerkracht", (GROEP_4,)),
    StaffSpec("demo-wendy", "Wendy", "Kuijpers", Role.PROFESSIONAL, "leerkracht", (GROEP_7,)),
    StaffSpec("demo-bart", "Bart", "Timmer", Role.PROFESSIONAL, "leerkracht", (GROEP_8,)),
    StaffSpec(
        "demo-esra", "Esra", "Aydoğan", Role.PROFESSIONAL, "pedagogisch medewerker", (DAYCARE,)
    ),
    StaffSpec("demo-kevin", "Kevin", "Jonker", Role.PROFESSIONAL, "pedagogisch medewerker", (BSO,)),
    StaffSpec("demo-ingrid", "Ingrid", "Pauw", Role.COORDINATOR, "locatiemanager"),
)


@dataclasses.dataclass
class GuardianPlan:
    first_name: str
    last_name: str
    relation: str
    preferred_language: str
    email: str
    phone: str
    has_parental_authority: bool = True
    lives_with_children: bool = True


@dataclasses.dataclass
class ChildPlan:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    groups: list[tuple[GroupSpec, int]]
    left_on: dt.date | None = None


@dataclasses.dataclass
class FamilyPlan:
    name: str
    home_language: str
    guardians: list[GuardianPlan]
    children: list[ChildPlan]
    interpreter_wanted: bool = False
    contact_notes: str = ""


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    location: Location
    school_year: int
    current_groups: int
    children: int
    families: int
    logins: tuple[StaffSpec, ...]
    # The demo parent's link, to try the parent pages (with the demo logins only).
    parent_link: ParentLink | None = None
    # A link of a family in the demo meeting round that has not booked yet.
    booking_link: ParentLink | None = None


def _slug(name: str) -> str:
    """An email-safe version of a name: 'Aydın' -> 'aydin', "O'Connor" -> 'oconnor'."""
    name = name.replace("ı", "i").replace("ł", "l").replace("Ł", "L")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_name.lower() if char.isalnum())


def family_name(surname: str) -> str:
    """'de Vries' -> 'Familie De Vries': the prefix takes a capital without a first name."""
    return f"Familie {surname[0].upper()}{surname[1:]}"


class _Planner:
    """Draws the demo families. The order of draws is fixed, so one seed gives
    one kindcentrum."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year
        self.places = dict(GROUP_SIZES)
        self.family_names: set[str] = set()
        self.people: set[tuple[str, str]] = set()
        self.emails: set[str] = set()
        self.families: list[FamilyPlan] = []

    # People

    def guardian(
        self,
        first_name: str,
        last_name: str,
        relation: str,
        language: str,
        *,
        email: bool = True,
        **kwargs: Any,
    ) -> GuardianPlan:
        self.people.add((first_name, last_name))
        address = ""
        if email:
            domain = self.rng.choice(EMAIL_DOMAINS)
            local = f"{_slug(first_name)}.{_slug(last_name)}"
            address, n = f"{local}@{domain}", 1
            # Two people of the same name never share an address.
            while address in self.emails:
                n += 1
                address = f"{local}{n}@{domain}"
            self.emails.add(address)
        phone = f"06-{self.rng.randint(1000, 9999)} {self.rng.randint(1000, 9999)}"
        return GuardianPlan(first_name, last_name, relation, language, address, phone, **kwargs)

    def child(
        self,
        first_name: str,
        last_name: str,
        stage: GroupSpec,
        *,
        last_year: bool = True,
        bso: bool = False,
        born: dt.date | None = None,
    ) -> ChildPlan:
        """A child in `stage` now, and last year in the group their age fitted then."""
        self.places[stage] -= 1
        born = born or self.birth_date(stage)
        groups = [(stage, self.year)]
        if bso:
            groups.append((BSO, self.year))
        if last_year:
            before = self.year - 1
            earlier = next((spec for spec in STAGES if spec.fits(born, before)), None)
            if earlier is not None:
                groups.append((earlier, before))
            if bso and BSO.fits(born, before) and self.rng.random() < 0.7:
                groups.append((BSO, before))
        return ChildPlan(first_name, last_name, born, groups)

    def birth_date(self, stage: GroupSpec) -> dt.date:
        first, last = stage.birth_window(self.year)
        # Babies start at daycare a few months old, never before they are born.
        last = min(last, dt.date(self.year, 4, 1))
        return first + dt.timedelta(days=self.rng.randint(1, (last - first).days - 1))

    def family(self, surname: str, home_language: str, **kwargs: Any) -> FamilyPlan:
        name = family_name(surname)
        self.family_names.add(name)
        plan = FamilyPlan(name, home_language, **kwargs)
        self.families.append(plan)
        return plan

    # Generated families

    def first_name(self, options: Sequence[str], last_name: str) -> str:
        """A first name nobody else in the demo has together with `last_name`."""
        free = [name for name in options if (name, last_name) not in self.people]
        return self.rng.choice(free or options)

    def fresh_surname(self, pool: NamePool) -> str:
        options = [name for name in pool.surnames if family_name(name) not in self.family_names]
        return self.rng.choice(options)

    def stage_slots(self) -> list[GroupSpec]:
        """One entry per place left in a group, shuffled."""
        slots = [stage for stage in STAGES for _ in range(self.places[stage])]
        self.rng.shuffle(slots)
        return slots

    def generated_families(self) -> None:
        languages = [lang for lang, count in GENERATED_FAMILIES.items() for _ in range(count)]
        self.rng.shuffle(languages)
        slots = self.stage_slots()
        # The places left over after one child per family go to second children.
        two_children = len(slots) - len(languages)
        if not 0 <= two_children <= len(languages):
            raise ValueError("GROUP_SIZES and GENERATED_FAMILIES do not fit together.")
        placed: list[ChildPlan] = []
        for index, language in enumerate(languages):
            stages = [slots.pop()]
            if index < two_children:
                # Siblings in different groups: take the next place in another group.
                other = next(i for i in reversed(range(len(slots))) if slots[i] != stages[0])
                stages.append(slots.pop(other))
            placed.extend(self.generated_family(language, stages))
        in_bso = [
            child
            for child in placed
            if child.groups[0][0] in (KLEUTERS, GROEP_3, GROEP_4, GROEP_5_6, GROEP_7)
        ]
        for child in self.rng.sample(in_bso, GENERATED_IN_BSO):
            child.groups.insert(1, (BSO, self.year))

    def generated_family(self, language: str, stages: Sequence[GroupSpec]) -> list[ChildPlan]:
        rng = self.rng
        pool = NAME_POOLS[language]
        surname = self.fresh_surname(pool)
        shape = rng.choices(
            ["two parents", "mother", "father", "two mothers"],
            weights=[80, 13, 4, 3 if language == L.DUTCH else 0],
        )[0]
        guardians = []
        if shape in ("two parents", "mother", "two mothers"):
            own_surname = language in OWN_SURNAME_LANGUAGES or (
                language in (L.DUTCH, L.PAPIAMENTU) and rng.random() < 0.3
            )
            last_name = (
                rng.choice([name for name in pool.surnames if name != surname])
                if own_surname or shape == "two mothers"
                else surname
            )
            relation = Relation.PARENT if shape == "two mothers" else Relation.MOTHER
            guardians.append(
                self.guardian(
                    self.first_name(pool.women, last_name),
                    last_name,
                    relation,
                    self.preferred_language(language),
                    email=rng.random() < 0.9,
                )
            )
        if shape in ("two parents", "father"):
            guardians.append(
                self.guardian(
                    self.first_name(pool.men, surname),
                    surname,
                    Relation.FATHER,
                    self.preferred_language(language),
                    email=rng.random() < 0.9 or not guardians,
                )
            )
        if shape == "two mothers":
            first_names = [name for name in pool.women if name != guardians[0].first_name]
            guardians.append(
                self.guardian(
                    self.first_name(first_names, surname), surname, Relation.PARENT, language
                )
            )
        first_names = rng.sample(pool.girls + pool.boys, len(stages))
        children = [
            self.child(
                first_name, surname, stage, last_year=rng.random() < SHARE_ENROLLED_LAST_YEAR
            )
            for first_name, stage in zip(first_names, stages, strict=True)
        ]
        notes = rng.choice(CONTACT_NOTES) if rng.random() < 0.3 else ""
        self.family(surname, language, guardians=guardians, children=children, contact_notes=notes)
        return children

    def preferred_language(self, home_language: str) -> str:
        """Many parents born here prefer Dutch in writing; Berber is rarely written."""
        if home_language == L.BERBER:
            return self.rng.choice([L.DUTCH, L.ARABIC, L.BERBER])
        if home_language in (L.TURKISH, L.ARABIC, L.PAPIAMENTU) and self.rng.random() < 0.4:
            return L.DUTCH
        return home_language


def _special_families(p: _Planner) -> None:
    """Families written by hand, so that every situation the product must
    handle is in the demo at least once."""
    year = p.year
    p.family(
        "Tesfay",
        L.TIGRINYA,
        interpreter_wanted=True,
        contact_notes=(
            "Vader spreekt wat Engels; moeder liever met tolk. "
            "Moeder is het best bereikbaar na 15.00 uur."
        ),
        guardians=[
            p.guardian("Mehari", "Tesfay", Relation.FATHER, L.ENGLISH),
            p.guardian("Senait", "Gebremariam", Relation.MOTHER, L.TIGRINYA, email=False),
        ],
        children=[
            p.child("Selam", "Tesfay", GROEP_3),
            p.child("Nahom", "Tesfay", KLEUTERS, last_year=False),
        ],
    )
    p.family(
        "Al-Khatib",
        L.ARABIC,
        interpreter_wanted=True,
        contact_notes=(
            "Sinds februari in Nederland. Graag bij elk gesprek een tolk Arabisch; "
            "schriftelijke informatie liefst ook in het Arabisch."
        ),
        guardians=[
            p.guardian("Ahmad", "Al-Khatib", Relation.FATHER, L.ARABIC),
            p.guardian("Rania", "Haddad", Relation.MOTHER, L.ARABIC),
        ],
        children=[
            p.child("Omar", "Al-Khatib", GROEP_5_6, last_year=False),
            p.child("Lina", "Al-Khatib", KLEUTERS, last_year=False),
        ],
    )
    p.family(
        "Bakker",
        L.DUTCH,
        contact_notes=(
            "Ouders gescheiden: beide ouders apart uitnodigen. "
            "De kinderen wonen bij moeder en zijn om het weekend bij vader."
        ),
        guardians=[
            p.guardian("Marieke", "Bakker", Relation.MOTHER, L.DUTCH),
            p.guardian("Jeroen", "de Wit", Relation.FATHER, L.DUTCH, lives_with_children=False),
        ],
        children=[
            p.child("Tess", "Bakker", GROEP_3, bso=True),
            p.child("Daan", "Bakker", GROEP_5_6, bso=True),
        ],
    )
    p.family(
        "Kaya",
        L.TURKISH,
        contact_notes=(
            "Ouders gescheiden, co-ouderschap (week om week). "
            "Beide ouders apart uitnodigen en allebei alle informatie sturen."
        ),
        guardians=[
            p.guardian("Derya", "Kaya", Relation.MOTHER, L.DUTCH),
            p.guardian("Murat", "Kaya", Relation.FATHER, L.TURKISH),
        ],
        children=[p.child("Elif", "Kaya", GROEP_4), p.child("Emir", "Kaya", GROEP_7)],
    )
    p.family(
        "Nowak",
        L.POLISH,
        contact_notes=(
            "Ouders gescheiden: beide ouders apart uitnodigen. "
            "Vader woont in een andere stad en sluit graag online aan."
        ),
        guardians=[
            p.guardian("Katarzyna", "Nowak", Relation.MOTHER, L.POLISH),
            p.guardian("Piotr", "Nowak", Relation.FATHER, L.ENGLISH, lives_with_children=False),
        ],
        children=[p.child("Zofia", "Nowak", GROEP_5_6)],
    )
    p.family(
        "Visser",
        L.DUTCH,
        contact_notes=(
            "Moeder en haar partner wonen met de kinderen. Vader heeft ook gezag: "
            "uitnodigingen en verslagen naar beide ouders."
        ),
        guardians=[
            p.guardian("Linda", "Visser", Relation.MOTHER, L.DUTCH),
            p.guardian("Rick", "Mulder", Relation.CARER, L.DUTCH, has_parental_authority=False),
            p.guardian("Sander", "Jacobs", Relation.FATHER, L.DUTCH, lives_with_children=False),
        ],
        children=[
            p.child("Jesse", "Jacobs", GROEP_3, bso=True),
            p.child("Roos", "Jacobs", GROEP_7),
        ],
    )
    p.family(
        "Schouten",
        L.DUTCH,
        contact_notes=(
            "Pleeggezin sinds vorig schooljaar. Het gezag ligt bij de voogd van de "
            "jeugdbescherming: bij besluiten over Milan haar ook uitnodigen."
        ),
        guardians=[
            p.guardian(
                "Inge", "Schouten", Relation.FOSTER_PARENT, L.DUTCH, has_parental_authority=False
            ),
            p.guardian(
                "Bas", "Schouten", Relation.FOSTER_PARENT, L.DUTCH, has_parental_authority=False
            ),
            p.guardian("Sandra", "Hoekstra", Relation.GUARDIAN, L.DUTCH, lives_with_children=False),
        ],
        children=[p.child("Milan", "Rosalia", GROEP_4)],
    )
    p.family(
        "Yilmaz",
        L.TURKISH,
        contact_notes="Oma haalt de kinderen meestal op; zij spreekt Turks.",
        guardians=[
            p.guardian("Ayşe", "Yilmaz", Relation.MOTHER, L.DUTCH),
            p.guardian("Mehmet", "Yilmaz", Relation.FATHER, L.TURKISH),
            p.guardian(
                "Emine",
                "Yilmaz",
                Relation.CARER,
                L.TURKISH,
                email=False,
                has_parental_authority=False,
                lives_with_children=False,
            ),
        ],
        children=[
            p.child("Yusuf", "Yilmaz", KLEUTERS, bso=True),
            p.child("Zeynep", "Yilmaz", GROEP_8),
        ],
    )
    twins_born = p.birth_date(GROEP_4)
    p.family(
        "Amghar",
        L.BERBER,
        guardians=[
            p.guardian("Naima", "Azzouzi", Relation.MOTHER, L.DUTCH),
            p.guardian("Hassan", "Amghar", Relation.FATHER, L.ARABIC),
        ],
        children=[
            p.child("Imane", "Amghar", GROEP_4, born=twins_born),
            p.child("Ilyas", "Amghar", GROEP_4, born=twins_born),
            p.child("Anass", "Amghar", GROEP_8),
        ],
    )
    p.family(
        "van der Meer",
        L.DUTCH,
        contact_notes="Liever contact via e-mail; beide moeders werken fulltime.",
        guardians=[
            p.guardian("Femke", "van der Meer", Relation.PARENT, L.DUTCH),
            p.guardian("Anne", "Dijkstra", Relation.PARENT, L.DUTCH),
        ],
        children=[p.child("Sem", "van der Meer", GROEP_3)],
    )
    p.family(
        "Kovalenko",
        L.UKRAINIAN,
        contact_notes=(
            "Moeder en kinderen wonen sinds 2024 in Nederland. Vader woont in Oekraïne "
            "en praat graag mee via videobellen."
        ),
        guardians=[
            p.guardian("Olena", "Kovalenko", Relation.MOTHER, L.UKRAINIAN),
            p.guardian(
                "Andrii", "Kovalenko", Relation.FATHER, L.UKRAINIAN, lives_with_children=False
            ),
        ],
        children=[
            p.child("Sofiia", "Kovalenko", GROEP_5_6),
            p.child("Maksym", "Kovalenko", GROEP_3, bso=True),
        ],
    )
    p.family(
        "Walker",
        L.ENGLISH,
        contact_notes="Engelstalig gezin, vorig jaar verhuisd. Informatie graag in het Engels.",
        guardians=[
            p.guardian("Sarah", "Walker", Relation.MOTHER, L.ENGLISH),
            p.guardian("Daniel", "Walker", Relation.FATHER, L.ENGLISH),
        ],
        children=[
            p.child("Isla", "Walker", KLEUTERS, bso=True),
            p.child("Oliver", "Walker", DAYCARE),
        ],
    )
    # Lieke finished groep 8 last summer; her history stays with the family.
    lieke_born = GROEP_8.birth_window(year - 1)[0] + dt.timedelta(days=150)
    p.family(
        "de Graaf",
        L.DUTCH,
        guardians=[
            p.guardian("Esther", "de Graaf", Relation.MOTHER, L.DUTCH),
            p.guardian("Wouter", "de Graaf", Relation.FATHER, L.DUTCH),
        ],
        children=[
            ChildPlan(
                "Lieke",
                "de Graaf",
                lieke_born,
                [(GROEP_8, year - 1), (BSO, year - 1)],
                left_on=dt.date(year, 7, 10),
            ),
            p.child("Bram", "de Graaf", GROEP_5_6),
        ],
    )


def build_plan(rng: random.Random, year: int) -> list[FamilyPlan]:
    """The demo families for the school year that starts in `year`."""
    planner = _Planner(rng, year)
    _special_families(planner)
    planner.generated_families()
    return planner.families


# Writing


def _sync[M: models.Model](
    queryset: models.QuerySet[M], key: Sequence[str], rows: Iterable[dict[str, Any]]
) -> dict[tuple[Any, ...], M]:
    """Create the rows that are missing and update the ones that differ, matching
    on `key`. Rows already as planned are not written at all."""
    model = queryset.model
    existing: dict[tuple[Any, ...], M] = {}
    for obj in queryset:
        existing.setdefault(tuple(getattr(obj, field) for field in key), obj)
    result: dict[tuple[Any, ...], M] = {}
    new: list[M] = []
    changed: list[M] = []
    fields: set[str] = set()
    for row in rows:
        row_key = tuple(row[field] for field in key)
        obj = existing.get(row_key)
        if obj is None:
            obj = model(**row)
            new.append(obj)
        else:
            differs = [field for field, value in row.items() if getattr(obj, field) != value]
            for field in differs:
                setattr(obj, field, row[field])
            if differs:
                changed.append(obj)
                fields.update(differs)
        result[row_key] = obj
    model._default_manager.bulk_create(new)
    if changed:
        model._default_manager.bulk_update(changed, sorted(fields))
    return result


def _demo_password_hash(users: Iterable[AbstractBaseUser]) -> str:
    """Hashing a password takes most of a second, so the demo logins share one
    hash: the one they already have if it still matches, else a new one."""
    for user in users:
        # An unusable password is checked against a dummy hash, just as slow.
        if user.has_usable_password() and check_password(DEMO_PASSWORD, user.password):
            return user.password
    return make_password(DEMO_PASSWORD)


def _sync_staff(
    location: Location, groups: dict[tuple[str, int], Group], year: int
) -> tuple[StaffSpec, ...]:
    user_model = get_user_model()
    users = {
        user.get_username(): user
        for user in user_model._default_manager.filter(
            username__in=[spec.username for spec in DEMO_STAFF]
        )
    }
    demo_hash = _demo_password_hash(users.values())
    for spec in DEMO_STAFF:
        user = users.get(spec.username) or user_model(username=spec.username)
        wanted = {
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "email": spec.email,
            "is_active": True,
        }
        if spec.can_log_in and user.password != demo_hash:
            wanted["password"] = demo_hash
        elif not spec.can_log_in and user.has_usable_password():
            user.set_unusable_password()
            wanted["password"] = user.password
        if user.pk is None or any(getattr(user, f) != v for f, v in wanted.items()):
            for field, value in wanted.items():
                setattr(user, field, value)
            user.save()
        users[spec.username] = user
    memberships = _sync(
        StaffMembership.objects.filter(location=location),
        ("user_id",),
        (
            {
                "user_id": users[spec.username].pk,
                "location_id": location.pk,
                "role": spec.role,
                "title": spec.title,
            }
            for spec in DEMO_STAFF
        ),
    )
    for spec in DEMO_STAFF:
        membership = memberships[users[spec.username].pk,]
        membership.groups.set([groups[stage.name, year] for stage in spec.groups])
    return tuple(spec for spec in DEMO_STAFF if spec.can_log_in)


# Conversations and informal contacts, for the demo logins

W = Kind.WELLBEING

WELLBEING_TEXTS = {
    "prep_going_well": (
        "Selam zorgt goed voor anderen: toen Noor vorige week haar knie schaafde, bleef ze "
        "bij haar zitten tot ik kwam. Ze is trots op haar tekeningen en laat ze graag zien."
    ),
    "prep_learn_at_home": (
        "Wat doet Selam thuis het liefst? Welke taal spreekt ze met haar broertje Nahom? "
        "Wat helpt haar als ze verdrietig is of iets spannend vindt?"
    ),
    "prep_need_from_parents": (
        "Ik hoor graag wat er thuis speelt, ook kleine dingen: als ze slecht heeft geslapen "
        "of iets bijzonders heeft meegemaakt. Dan kan ik daar in de klas rekening mee houden."
    ),
    "prep_can_offer": (
        "Ik sta elke ochtend om 8.20 uur bij de deur van het lokaal. Na 15.00 uur kan "
        "moeder mij bellen; ik regel zelf een tolk Tigrinya voor elk gesprek."
    ),
    "prep_cannot_meet": (
        "Ik kan niet elke dag apart laten weten hoe het ging; wel stuur ik elke vrijdag "
        "een kort bericht met een foto van wat de groep die week deed."
    ),
    "prep_parent_needs_note": (
        "Vader spreekt wat Engels, moeder liever via de tolk. Korte zinnen, één onderwerp "
        "tegelijk, en de afspraken op papier meegeven."
    ),
}
WELLBEING_AGENDA = (
    ("Hoe Selam thuis over school vertelt", AgendaItem.Source.PARENT, 8),
    ("Moe na de zwemles op woensdag", AgendaItem.Source.PARENT, 5),
    ("Kennismaken: wie is Selam in de groep?", AgendaItem.Source.PROFESSIONAL, 7),
    ("Hoe houden we contact, met de tolk?", AgendaItem.Source.PROFESSIONAL, 5),
)
# The parents' agenda items are the topics Selam's father ranked beforehand.
WELLBEING_TOPICS = {
    "Hoe Selam thuis over school vertelt": "wellbeing",
    "Moe na de zwemles op woensdag": "routines",
}
# Selam's father answered the questions beforehand, in English, and asks for an
# interpreter for Selam's mother. Her link is for the printed letter: she has
# no email address. (question: choices, free text, language of the text)
DEMO_ANSWERS: dict[str, tuple[list[str], str, str]] = {
    "feeling": (["good"], "", ""),
    "happy_safe": (
        ["familiar_face", "routine", "comfort_object"],
        "On Mondays she likes to take her little bear to school. It helps her to say goodbye.",
        "en",
    ),
    "at_home": (["drawing", "music", "helping"], "", ""),
    "topics": (["wellbeing", "routines"], "", ""),
    "support": (["explain", "simple_language"], "", ""),
    "involvement": (["share"], "", ""),
    "interpreter": (["ti"], "", ""),
    "anything_else": (
        [],
        "My wife Senait reads little Dutch. Please talk with her with an interpreter, "
        "and give letters for her to me.",
        "en",
    ),
}
OWN_QUESTION = (
    "Welk liedje of spelletje uit Eritrea kent Selam? Misschien wil ze het aan de groep leren."
)

PROGRESS_TEXTS = {
    "prep_going_well": (
        "Sem leest sinds de herfstvakantie hele zinnen hardop en helpt andere kinderen "
        "bij het opruimen zonder dat iemand het vraagt."
    ),
    "prep_learning": (
        "Lezen gaat met sprongen vooruit (AVI-start gehaald). Bij rekenen tot 20 telt hij "
        "nog op zijn vingers; de volgende stap is splitsen met het rekenrek."
    ),
    "prep_wellbeing": (
        "Sem speelt in de pauze vooral met Daan en Ruben. Bij drukte in de gang wordt hij "
        "stil; dan helpt het als hij als eerste naar binnen mag."
    ),
    "summary": (
        "Beste Femke en Anne,\n\n"
        "Fijn dat jullie er allebei waren. Sem leest nu hele zinnen en is daar trots op. "
        "Thuis lezen jullie elke avond samen; dat zien we terug in de klas.\n\n"
        "Rekenen tot 20 is nog lastig. In de klas oefent Sem met een vast maatje en het "
        "rekenrek.\n\n"
        "Wat we afspraken:\n"
        "- Jullie lezen elke avond tien minuten samen uit een boek dat Sem zelf kiest.\n"
        "- Juf Fatima zet Sem bij rekenen naast een vast maatje.\n"
        "- Jullie laten weten hoe het slapen gaat met de nieuwe avondroutine.\n\n"
        "Klopt dit verslag? Laat het gerust weten als je iets wilt toevoegen.\n"
        "Groet, juf Fatima"
    ),
}
PROGRESS_AGENDA = (
    (
        "Lezen thuis",
        AgendaItem.Source.PARENT,
        5,
        "Femke en Anne lezen elke avond voor; Sem wil nu zelf ook een stukje lezen.",
    ),
    (
        "Rekenen tot 20",
        AgendaItem.Source.PROFESSIONAL,
        5,
        "Ouders herkennen het tellen op de vingers. Thuis oefenen met dobbelspelletjes.",
    ),
    (
        "Spelen op het plein",
        AgendaItem.Source.PROFESSIONAL,
        5,
        "Sem vertelt thuis vooral over Daan. Drukte vindt hij ook thuis lastig.",
    ),
)
CONCERN_TEXTS = {
    "prep_observations": (
        "Maandag en woensdag van de afgelopen week zat Jesse na de kleine pauze lang "
        "stil bij zijn kapstok en wilde hij niet mee naar binnen. Donderdag huilde hij bij "
        "het ophalen toen hij hoorde dat hij naar de bso ging."
    ),
    "prep_tried": (
        "Hij mag als eerste naar binnen en helpt mij met het klaarzetten. Dat helpt op "
        "rustige dagen, niet na het weekend bij zijn vader."
    ),
}
REFLECTION_NOTE = (
    "De tolk maakte veel verschil: moeder Rania vertelde uitgebreid over Omars school in "
    "Syrië. Vader wil graag helpen met huiswerk maar weet niet hoe; volgende keer laat ik "
    "zien wat we in de klas doen. Zelf voelde ik me wat gehaast; ik plan een uur in plaats "
    "van een half uur."
)

POSITIVE_NOTES = (
    "{name} vertelde vol trots over het werkstuk; ouder blij verrast.",
    "Even gedeeld dat {name} vandaag een klasgenoot hielp met lezen.",
    "{name} had een goede dag en zong het hele lied mee in de kring.",
    "Moeder bedankt voor het berichtje over het rekenspel; {name} speelt het thuis ook.",
    "Verteld dat {name} zelf een ruzie op het plein oploste. Vader heel blij.",
    "Foto gestuurd van het bouwwerk dat {name} met twee anderen maakte.",
    "{name} las vandaag voor het eerst voor aan de hele groep.",
)
NEUTRAL_NOTES = (
    "Ouder vroeg naar de datum van de schoolreis; uitgelegd waar het op de site staat.",
    "Opa haalt {name} deze week op; afgesproken dat hij belt als hij later is.",
    "Gymschoenen van {name} zijn te klein; ouder neemt nieuwe mee.",
)
CONCERN_NOTES = (
    "{name} was erg moe en stil vandaag. Ouder herkent het, thuis slaapt {name} slecht.",
    "{name} had ruzie bij de kapstok en was daarna van slag. Ouder gebeld.",
    "{name} wilde niet naar binnen en bleef lang bij de deur. Even met ouder besproken.",
)


def _sync_conversations(
    location: Location,
    families: dict[str, int],
    children: dict[tuple[int, str, str], int],
    groups: dict[tuple[str, int], Group],
    year: int,
    today: dt.date,
    rng: random.Random,
) -> ParentLink:
    """Conversations of the demo logins in every stage, their informal
    contacts, and links for the parents of the welbevindengesprek. Keyed on
    natural keys, so a second run on the same day writes nothing; dates follow
    today. Returns the demo parent's link."""
    users = {
        user.get_username(): user
        for user in get_user_model()._default_manager.filter(
            username__in=["demo-teacher", "demo-teacher2"]
        )
    }
    teacher, teacher2 = users["demo-teacher"], users["demo-teacher2"]
    tz = timezone.get_current_timezone()
    year_start = dt.date(year, 8, 1)

    def child(family: str, first_name: str, last_name: str) -> int:
        return children[families[family_name(family)], first_name, last_name]

    def past(days: int) -> dt.date:
        return max(today - dt.timedelta(days=days), year_start)

    selam = child("Tesfay", "Selam", "Tesfay")
    sem = child("van der Meer", "Sem", "van der Meer")
    jesse = child("Visser", "Jesse", "Jacobs")
    omar = child("Al-Khatib", "Omar", "Al-Khatib")
    held_on = past(30)
    base = {"school_year": year, "date": None, "start_time": None, "place": ""}
    planned = [
        base
        | {
            "child_id": selam,
            "owner_id": teacher.pk,
            "kind": W,
            "status": Conversation.Status.PREPARED,
            "date": today + dt.timedelta(days=3),
            "start_time": dt.time(15, 30),
            "duration_minutes": DEFAULT_MINUTES[W],
            "place": "Lokaal groep 3",
            "interpreter": True,
            "interpreter_language": "Tigrinya",
            "parent_needs": ["first_contact", "language", "new_to_system"],
        },
        base
        | {
            "child_id": sem,
            "owner_id": teacher.pk,
            "kind": Kind.PROGRESS,
            "status": Conversation.Status.HELD,
            "date": held_on,
            "start_time": dt.time(19, 15),
            "duration_minutes": DEFAULT_MINUTES[Kind.PROGRESS],
            "place": "Lokaal groep 3",
            "talk_professional_seconds": 410,
            "talk_parent_seconds": 460,
        },
        base
        | {
            "child_id": jesse,
            "owner_id": teacher.pk,
            "kind": Kind.CONCERN,
            "status": Conversation.Status.DRAFT,
            "duration_minutes": DEFAULT_MINUTES[Kind.CONCERN],
            "parent_needs": ["separated"],
        },
        base
        | {
            "child_id": omar,
            "owner_id": teacher2.pk,
            "kind": W,
            "status": Conversation.Status.HELD,
            "date": past(40),
            "start_time": dt.time(14, 0),
            "duration_minutes": DEFAULT_MINUTES[W],
            "place": "Lokaal groep 5/6",
            "interpreter": True,
            "interpreter_language": "Arabisch",
            "parent_needs": ["language", "new_to_system"],
            "talk_professional_seconds": 640,
            "talk_parent_seconds": 1100,
            "parent_relatedness": 4,
            "parent_competence": 2,
            "parent_autonomy": 3,
            "own_relatedness": 3,
            "own_competence": 3,
            "own_autonomy": 2,
            "next_contact_on": today + dt.timedelta(days=14),
            "next_contact_kind": Kind.INFORMAL,
        },
    ]
    # The meeting round's conversations are demo_rounds' own (a child may have
    # a progress talk there and one here).
    conversations = _sync(
        Conversation.objects.filter(child__family__location=location, meeting_round__isnull=True),
        ("child_id", "kind", "school_year"),
        planned,
    )

    def conv(child_id: int, kind: str) -> Conversation:
        return conversations[child_id, kind, year]

    welcome, progress = conv(selam, W), conv(sem, Kind.PROGRESS)
    concern, reflected = conv(jesse, Kind.CONCERN), conv(omar, W)
    for conversation in conversations.values():
        wanted = set(
            Guardian.objects.filter(
                family__children=conversation.child_id, has_parental_authority=True
            ).values_list("pk", flat=True)
        )
        if set(conversation.guardians.values_list("pk", flat=True)) != wanted:
            conversation.guardians.set(wanted)

    prompts = list(
        Prompt.objects.filter(location__isnull=True, audience=Audience.PARENT)
        .active()
        .for_kind(W)
        .order_by("pk")[:4]
    )
    chosen = [
        {"prompt_id": prompt.pk, "need": prompt.need, "audience": prompt.audience}
        | {"text": prompt.text_nl}
        for prompt in prompts
    ]
    chosen.append(
        {"prompt_id": None, "need": Need.RELATEDNESS, "audience": Audience.PARENT}
        | {"text": OWN_QUESTION}
    )
    _sync(
        ChosenPrompt.objects.filter(conversation=welcome),
        ("conversation_id", "text"),
        (
            row | {"conversation_id": welcome.pk, "position": position}
            for position, row in enumerate(chosen)
        ),
    )
    agenda = _sync(
        AgendaItem.objects.filter(conversation__in=[welcome, progress]),
        ("conversation_id", "title"),
        [
            {
                "conversation_id": welcome.pk,
                "title": title,
                "source": source,
                "minutes": minutes,
                "position": position,
                "topic": WELLBEING_TOPICS.get(title, ""),
            }
            for position, (title, source, minutes) in enumerate(WELLBEING_AGENDA)
        ]
        + [
            {
                "conversation_id": progress.pk,
                "title": title,
                "source": source,
                "minutes": minutes,
                "position": position,
            }
            for position, (title, source, minutes, _notes) in enumerate(PROGRESS_AGENDA)
        ],
    )
    notes = {agenda[progress.pk, title].notes_key: text for title, _s, _m, text in PROGRESS_AGENDA}
    texts = [
        (welcome, WELLBEING_TEXTS),
        (progress, PROGRESS_TEXTS | notes),
        (concern, CONCERN_TEXTS),
        (reflected, {"reflection_note": REFLECTION_NOTE}),
    ]
    _sync(
        ConversationText.objects.filter(conversation__in=conversations.values()),
        ("conversation_id", "key"),
        (
            {
                "conversation_id": conversation.pk,
                "key": key,
                "text": text,
                "version": 1,
                "updated_by_id": conversation.owner_id,
            }
            for conversation, by_key in texts
            for key, text in by_key.items()
        ),
    )
    _sync(
        Agreement.objects.filter(conversation=progress),
        ("conversation_id", "what"),
        (
            {"conversation_id": progress.pk, "status_note": ""} | row
            for row in (
                {
                    "who": Agreement.Who.PARENT,
                    "who_name": "Femke en Anne",
                    "what": "Elke avond tien minuten samen lezen uit een boek dat Sem zelf kiest.",
                    "due_on": held_on + dt.timedelta(days=14),
                    "check_how": "Femke of Anne vertelt bij het ophalen hoe het gaat.",
                    "status": Agreement.Status.DONE,
                    "status_note": "Gaat goed: Sem vraagt er zelf om.",
                },
                {
                    "who": Agreement.Who.PROFESSIONAL,
                    "who_name": "juf Fatima",
                    "what": "Sem rekent tot 20 met een vast maatje en oefent met het rekenrek.",
                    "due_on": today + dt.timedelta(days=14),
                    "check_how": "Juf Fatima laat het in een kort bericht weten.",
                    "status": Agreement.Status.OPEN,
                },
                {
                    "who": Agreement.Who.PARENT,
                    "who_name": "Anne",
                    "what": "Laten weten hoe het slapen gaat met de nieuwe avondroutine.",
                    "due_on": today - dt.timedelta(days=5),
                    "check_how": "Berichtje aan juf Fatima.",
                    "status": Agreement.Status.OPEN,
                },
            )
        ),
    )
    _sync_contacts(location, groups, year, today, rng, teacher, teacher2, tz)
    return _sync_parent_links(welcome, teacher, today, tz)


def _sync_parent_links(
    welcome: Conversation, teacher: AbstractBaseUser, today: dt.date, tz: dt.tzinfo
) -> ParentLink:
    """Links for Selam's parents, and her father's answers. A link keeps its
    token from run to run: it is derived from the stored salt. Returns the
    father's link, which the seed prints."""
    guardians = {guardian.first_name: guardian for guardian in welcome.guardians.all()}
    father = link_create(conversation=welcome, guardian=guardians["Mehari"], user=teacher)
    link_create(conversation=welcome, guardian=guardians["Senait"], user=teacher)
    invited = dt.datetime.combine(today - dt.timedelta(days=2), dt.time(9, 5), tzinfo=tz)
    submitted = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(20, 40), tzinfo=tz)
    if (father.invited_at, father.submitted_at) != (invited, submitted):
        father.invited_at, father.submitted_at = invited, submitted
        father.save(update_fields=["invited_at", "submitted_at"])
    _sync(
        QuestionnaireAnswer.objects.filter(link=father),
        ("link_id", "question"),
        (
            {
                "link_id": father.pk,
                "question": question,
                "choices": choices,
                "text": text,
                "text_language": language,
            }
            for question, (choices, text, language) in DEMO_ANSWERS.items()
        ),
    )
    agenda_sync_parent_topics(conversation=welcome)
    return father


def _sync_contacts(
    location: Location,
    groups: dict[tuple[str, int], Group],
    year: int,
    today: dt.date,
    rng: random.Random,
    teacher: AbstractBaseUser,
    teacher2: AbstractBaseUser,
    tz: dt.tzinfo,
) -> None:
    """About thirty quick contacts in Groep 3 and Groep 5/6: mostly positive,
    a few neutral or worried, and two children with only worried ones."""
    start = min(dt.date(year, 8, 24), today)
    span = (today - start).days
    planned: list[tuple[Child, AbstractBaseUser, str, str]] = []
    for group_name, author, positives, neutrals, worries in (
        (GROEP_3.name, teacher, 9, 3, 1),
        (GROEP_5_6.name, teacher2, 10, 2, 1),
    ):
        kids = list(
            Child.objects.filter(enrolments__group=groups[group_name, year]).order_by(
                "first_name", "last_name", "pk"
            )
        )
        rng.shuffle(kids)
        worried, others = kids[0], kids[1:]
        planned += [(worried, author, Contact.Tone.CONCERN, note) for note in CONCERN_NOTES[:2]]
        planned += [
            (others[i], author, Contact.Tone.POSITIVE, POSITIVE_NOTES[i % len(POSITIVE_NOTES)])
            for i in range(positives)
        ]
        planned += [
            (others[-1 - i], author, Contact.Tone.NEUTRAL, NEUTRAL_NOTES[i % len(NEUTRAL_NOTES)])
            for i in range(neutrals)
        ]
        # A worry about a child who also has good days.
        planned += [(others[0], author, Contact.Tone.CONCERN, CONCERN_NOTES[2])] * worries
    channels = list(Contact.Channel)
    rows = []
    for index, (kid, author, tone, note) in enumerate(planned):
        day = start + dt.timedelta(days=span * (index + 1) // (len(planned) + 1))
        if day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        channel = channels[index % len(channels)]
        hour = {"drop_off_pick_up": (8, 20), "phone": (16, 30), "message": (19, 5)}[channel]
        rows.append(
            {
                "child_id": kid.pk,
                "author_id": author.pk,
                "channel": channel,
                "tone": tone,
                "note": note.format(name=kid.first_name),
                "occurred_at": dt.datetime.combine(max(day, start), dt.time(*hour), tzinfo=tz),
                "school_year": year,
            }
        )
    _sync(
        Contact.objects.filter(child__family__location=location),
        ("child_id", "author_id", "note"),
        rows,
    )


# Thinking along: a request that waits for the coordinator, coaching feedback,
# and a professional's reply. Comments are keyed on their text.
REVIEW_QUESTION = (
    "Wil je meedenken? Na een weekend bij zijn vader is Jesse vaak onrustig. Ik wil "
    "beide ouders erbij betrekken zonder dat een van hen denkt dat ik partij kies. "
    "Hoe open ik dit gesprek?"
)
REVIEW_COMMENTS = (
    (
        "demo-teacher",
        Kind.PROGRESS,
        "demo-coordinator",
        "Mooi dat je opende met wat Sem al goed kan, en dat Femke en Anne zelf het "
        "leesmoment kozen. Zo voelt de afspraak als die van hen. Vraag je bij de "
        "volgende afspraak hoe het slapen gaat? Daar stond nog niets over.",
    ),
    (
        "demo-teacher2",
        Kind.WELLBEING,
        "demo-coordinator",
        "Je gaf competentie bij de ouders een 'een beetje'. Weet je wat hen zou helpen "
        "om te snappen hoe het in de groep gaat? Misschien een rondleiding met de tolk, "
        "of een paar foto's van een gewone dag.",
    ),
)
REVIEW_REPLY = (
    "Goed idee, de foto's. Ik vraag de tolk of ze er bij het volgende contact bij kan "
    "zijn en laat dan een dag in de groep zien."
)


def _sync_review(location: Location, year: int, today: dt.date) -> None:
    """The demo's requests to think along and comments, for the demo logins."""
    users = {
        user.get_username(): user
        for user in get_user_model()._default_manager.filter(
            username__in=["demo-teacher", "demo-teacher2", "demo-coordinator"]
        )
    }
    conversations = {
        (conversation.owner.get_username(), conversation.kind): conversation
        for conversation in Conversation.objects.filter(
            child__family__location=location,
            school_year=year,
            owner__in=users.values(),
        ).select_related("owner")
    }
    concern = conversations["demo-teacher", Kind.CONCERN]
    asked_at = dt.datetime.combine(
        today - dt.timedelta(days=2), dt.time(16, 10), tzinfo=timezone.get_current_timezone()
    )
    if (concern.review_requested_at, concern.review_requested_by_id) != (
        asked_at,
        users["demo-teacher"].pk,
    ):
        concern.review_requested_at = asked_at
        concern.review_requested_by = users["demo-teacher"]
        concern.save(update_fields=["review_requested_at", "review_requested_by"])
    rows = [(concern, users["demo-teacher"], REVIEW_QUESTION)] + [
        (conversations[owner, kind], users[author], body)
        for owner, kind, author, body in REVIEW_COMMENTS
    ]
    comments = _sync(
        ReviewComment.objects.filter(conversation__child__family__location=location),
        ("conversation_id", "author_id", "body"),
        (
            {"conversation_id": conversation.pk, "author_id": author.pk, "body": body}
            for conversation, author, body in rows
        ),
    )
    coaching = conversations["demo-teacher2", Kind.WELLBEING]
    answered = comments[coaching.pk, users["demo-coordinator"].pk, REVIEW_COMMENTS[1][3]]
    _sync(
        ReviewComment.objects.filter(conversation=coaching, reply_to__isnull=False),
        ("conversation_id", "author_id", "body"),
        [
            {
                "conversation_id": coaching.pk,
                "author_id": users["demo-teacher2"].pk,
                "body": REVIEW_REPLY,
                "reply_to_id": answered.pk,
            }
        ],
    )


@transaction.atomic
def demo_seed(
    *, rng: random.Random, year: int, with_users: bool, today: dt.date | None = None
) -> DemoSummary:
    """Build or bring up to date the demo kindcentrum for the school year that
    starts in `year`, with last year's groups for history. With the demo
    logins come their conversations and informal contacts, dated around
    `today`."""
    plan = build_plan(rng, year)
    location = _sync(
        Location.objects.filter(name=LOCATION_NAME),
        ("name",),
        [
            {
                "name": LOCATION_NAME,
                "has_school": True,
                "has_daycare": True,
                "has_after_school_care": True,
                "has_early_education": False,
            }
        ],
    )[LOCATION_NAME,]
    years = (year - 1, year)
    groups = _sync(
        Group.objects.filter(location=location),
        ("name", "school_year"),
        (
            {
                "location_id": location.pk,
                "name": spec.name,
                "school_year": school_year,
                "setting": spec.setting,
                "min_age": spec.min_age,
                "max_age": spec.max_age,
            }
            for school_year in years
            for spec in GROUP_SPECS
        ),
    )
    families = {
        name: family.pk
        for (name,), family in _sync(
            Family.objects.filter(location=location),
            ("name",),
            (
                {
                    "location_id": location.pk,
                    "name": family.name,
                    "home_language": family.home_language,
                    "interpreter_wanted": family.interpreter_wanted,
                    "contact_notes": family.contact_notes,
                }
                for family in plan
            ),
        ).items()
    }
    _sync(
        Guardian.objects.filter(family__location=location),
        ("family_id", "first_name", "last_name"),
        (
            {"family_id": families[family.name]} | dataclasses.asdict(guardian)
            for family in plan
            for guardian in family.guardians
        ),
    )
    children = {
        key: child.pk
        for key, child in _sync(
            Child.objects.filter(family__location=location),
            ("family_id", "first_name", "last_name"),
            (
                {
                    "family_id": families[family.name],
                    "first_name": child.first_name,
                    "last_name": child.last_name,
                    "date_of_birth": child.date_of_birth,
                    "left_on": child.left_on,
                }
                for family in plan
                for child in family.children
            ),
        ).items()
    }
    planned = {
        (
            children[families[family.name], child.first_name, child.last_name],
            groups[stage.name, school_year].pk,
        )
        for family in plan
        for child in family.children
        for stage, school_year in child.groups
    }
    # Only the planned children's places in these two years are the seed's
    # business: children added by hand keep theirs.
    enrolments = Enrolment.objects.filter(
        child__in=children.values(), group__location=location, group__school_year__in=years
    )
    existing = set(enrolments.values_list("child_id", "group_id"))
    Enrolment.objects.bulk_create(
        Enrolment(child_id=child_id, group_id=group_id)
        for child_id, group_id in sorted(planned - existing)
    )
    # Places from an older version of this plan.
    stale = existing - planned
    if stale:
        stale_filter = models.Q()
        for child_id, group_id in stale:
            stale_filter |= models.Q(child_id=child_id, group_id=group_id)
        enrolments.filter(stale_filter).delete()
    logins: tuple[StaffSpec, ...] = ()
    parent_link = booking_link = None
    if with_users:
        logins = _sync_staff(location, groups, year)
        parent_link = _sync_conversations(
            location, families, children, groups, year, today or timezone.localdate(), rng
        )
        _sync_review(location, year, today or timezone.localdate())
        meeting_round = demo_rounds.seed_rounds(
            location=location, year=year, today=today or timezone.localdate()
        )
        if meeting_round is not None:
            booking_link = demo_rounds.booking_link(meeting_round)
    return DemoSummary(
        location=location,
        school_year=year,
        current_groups=location.groups.filter(school_year=year).count(),
        children=Child.objects.filter(family__location=location).count(),
        families=location.families.count(),
        logins=logins,
        parent_link=parent_link,
        booking_link=booking_link,
    )
