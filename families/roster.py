"""Import a group roster from a CSV file, as a school administration system exports it.

The file
--------
One row per child, with the column names in the first row. Column names may be
Dutch or English, in any case and any order; `ouder1 e-mail` and
`Parent 1 Email` both work. Columns nobody asked for are skipped. The
separator is a comma, a semicolon (as Excel writes it in Dutch) or a tab. UTF-8
with or without a byte-order mark, UTF-16 ("Unicode text") and Windows-1252 /
Latin-1 files are read.

Required columns:

* `groep` (group): a group name at this location in the current school year.
* `voornaam kind` (child first name), `achternaam kind` (child last name).
* `geboortedatum` (date of birth): 17-05-2019, 17-5-2019 or 2019-05-17.

Optional columns:

* `tussenvoegsel kind` (child prefix): "van der", joined to the last name.
* `gezin` (family): the name of a new family; default "Familie <achternaam kind>".
* `thuistaal` (home language) and `tolk gewenst` (interpreter wanted: ja/nee).
* Per parent or carer, numbered `ouder 1`, `ouder 2` (or `parent 1`, ...):
  `voornaam`, `tussenvoegsel`, `achternaam`, `relatie` (moeder, vader, ouder,
  pleegouder, voogd, verzorger, anders), `email`, `telefoon`, `taal`, `gezag`
  (ja/nee) and `woont bij kind` (ja/nee). Separated parents are simply
  `ouder 1` and `ouder 2`, each with their own contact details.

Languages are written in Dutch or English ("Arabisch", "Arabic") or as a code
("ar"). An empty cell never erases what is already known.

Matching
--------
* A child is known when a child at this location has the same first name,
  last name and date of birth (names compared without case). A known child is
  reused and enrolled in the row's group if it is not in it yet. A known child
  keeps its family: the import never moves children between families.
* A new child joins the family at this location of a parent whose email is in
  the row (without case), so brothers and sisters in one file share a family.
  Without a match a new family is made.
* Within the family a parent is found by email, else by first and last name,
  and their details are updated rather than duplicated.

All or nothing: every row is checked first; one error in one row and nothing
is saved. Row numbers are the spreadsheet's: the column names are row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from families import school_year
from families.languages import Language
from families.models import Child, Enrolment, Family, Group, Guardian, Location

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 30
FAMILY_NAME_MAX_LENGTH = 200
EARLIEST_BIRTH_DATE = dt.date(2000, 1, 1)


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Column names -----------------------------------------------------------------


def _normalise(header: str) -> str:
    """`Ouder1 E-mail` -> `ouder 1 e mail`: case, punctuation and spacing do not matter."""
    text = header.casefold()
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _alias_table(aliases: dict[str, str]) -> dict[str, str]:
    """{"key": "name | other name"} -> {"name": "key", "other name": "key"}."""
    return {_normalise(alias): key for key, names in aliases.items() for alias in names.split("|")}


CHILD_COLUMNS = _alias_table(
    {
        "group": "groep | group | klas | class | stamgroep",
        "first_name": "voornaam kind | roepnaam kind | voornaam | roepnaam | child first name"
        " | first name child | first name",
        "prefix": "tussenvoegsel kind | tussenvoegsel | voorvoegsel | child prefix | prefix",
        "last_name": "achternaam kind | achternaam | child last name | last name child"
        " | last name | surname",
        "date_of_birth": "geboortedatum | geboortedatum kind | date of birth | birth date"
        " | birthdate | dob",
        "family_name": "gezin | gezinsnaam | family | family name",
        "home_language": "thuistaal | home language",
        "interpreter_wanted": "tolk gewenst | tolk | interpreter wanted | interpreter",
    }
)
# Per parent, after a prefix such as "ouder 1" (or before "ouder 1").
GUARDIAN_COLUMNS = _alias_table(
    {
        "first_name": "voornaam | roepnaam | first name | given name",
        "prefix": "tussenvoegsel | voorvoegsel | prefix",
        "last_name": "achternaam | last name | surname",
        "relation": "relatie | relation | relationship",
        "email": "email | e-mail | emailadres | e-mailadres | email address | mail",
        "phone": "telefoon | telefoonnummer | tel | mobiel | phone | phone number | mobile"
        " | telephone",
        "language": "taal | voorkeurstaal | language | preferred language",
        "parental_authority": "gezag | ouderlijk gezag | parental authority",
        "lives_with_children": "woont bij kind | woont bij kinderen | lives with child"
        " | lives with children",
    }
)
_GUARDIAN_PREFIX = r"(?:ouder verzorger|ouder|verzorger|parent guardian|parent|guardian|carer)"
_GUARDIAN_FIELD_FIRST = re.compile(rf"^{_GUARDIAN_PREFIX} (\d) (.+)$")
_GUARDIAN_FIELD_LAST = re.compile(rf"^(.+) {_GUARDIAN_PREFIX} (\d)$")
REQUIRED = {
    "group": "groep",
    "first_name": "voornaam kind",
    "last_name": "achternaam kind",
    "date_of_birth": "geboortedatum",
}


def _column_key(header: str) -> str | None:
    """The internal key of a column: `group`, `first_name`, `guardian:1:email`, ..."""
    name = _normalise(header)
    if name in CHILD_COLUMNS:
        return CHILD_COLUMNS[name]
    for pattern, number_at, field_at in (
        (_GUARDIAN_FIELD_FIRST, 1, 2),
        (_GUARDIAN_FIELD_LAST, 2, 1),
    ):
        match = pattern.match(name)
        if match and match.group(field_at) in GUARDIAN_COLUMNS:
            number = int(match.group(number_at))
            if number >= 1:
                return f"guardian:{number}:{GUARDIAN_COLUMNS[match.group(field_at)]}"
    return None


# Cell values -------------------------------------------------------------------

_YES = {"ja", "j", "yes", "y", "1", "x", "waar", "true"}
_NO = {"nee", "n", "no", "0", "onwaar", "false"}

_RELATIONS = {
    alias: relation
    for relation, aliases in {
        Guardian.Relation.MOTHER: "moeder | mama | mother | mum | mom",
        Guardian.Relation.FATHER: "vader | papa | father | dad",
        Guardian.Relation.PARENT: "ouder | parent",
        Guardian.Relation.FOSTER_PARENT: "pleegouder | pleegmoeder | pleegvader | foster parent"
        " | foster mother | foster father",
        Guardian.Relation.GUARDIAN: "voogd | wettelijk voogd | legal guardian | guardian",
        Guardian.Relation.CARER: "verzorger | carer | caregiver",
        Guardian.Relation.OTHER: "anders | overig | other",
    }.items()
    for alias in (part.strip() for part in aliases.split("|"))
}

_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")


def _relation(text: str) -> Guardian.Relation | None:
    wanted = " ".join(text.casefold().split())
    if wanted in _RELATIONS:
        return _RELATIONS[wanted]
    # The labels in the language of the page are accepted too.
    for relation in Guardian.Relation:
        if wanted == str(relation.label).casefold():
            return relation
    return None


def _date(text: str) -> dt.date | None:
    if match := _DAY_FIRST.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _YEAR_FIRST.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _tidy(text: str) -> str:
    return " ".join(text.split())


# Reading the file -----------------------------------------------------------------


def decode(file_bytes: bytes) -> str:
    """The text of an uploaded file, whatever encoding a spreadsheet gave it."""
    if len(file_bytes) > MAX_BYTES:
        raise RosterFileError(too_large_message())
    if not file_bytes.strip():
        raise RosterFileError(_("The file is empty."))
    if file_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = file_bytes.decode("utf-16")
        except UnicodeDecodeError:
            raise RosterFileError(not_csv_message()) from None
    elif b"\x00" in file_bytes:
        # Zip (xlsx), old Excel and other binary files.
        raise RosterFileError(not_csv_message())
    else:
        try:
            text = file_bytes.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Windows saves "CSV" in Windows-1252; Latin-1 reads any byte.
            try:
                text = file_bytes.decode("cp1252")
            except UnicodeDecodeError:
                text = file_bytes.decode("latin-1")
    return text.removeprefix("\ufeff")


def too_large_message() -> str:
    return _(
        "The file is larger than 2 MB. Split it into smaller files, for example one per group."
    )


def not_csv_message() -> str:
    return _(
        "This is not a CSV file. In your spreadsheet, choose “Save as” and then "
        "“CSV (semicolon separated)” or “CSV UTF-8”, and upload that file."
    )


def _separator(text: str) -> str:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


@dataclass
class GuardianRow:
    number: int
    first_name: str = ""
    last_name: str = ""
    relation: Guardian.Relation | None = None
    email: str = ""
    phone: str = ""
    language: Language | None = None
    parental_authority: bool | None = None
    lives_with_children: bool | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class ChildRow:
    number: int
    group_name: str = ""
    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    family_name: str = ""
    home_language: Language | None = None
    interpreter_wanted: bool | None = None
    guardians: list[GuardianRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return _tidy(f"{self.first_name} {self.last_name}")


class _RowReader:
    """Reads one data row into a ChildRow, collecting an error per bad cell.

    Errors come out in the order of the columns, as the user reads the row.
    """

    def __init__(
        self,
        number: int,
        cells: dict[str, str],
        headers: dict[str, str],
        positions: dict[str, int],
    ) -> None:
        self.number = number
        self.cells = cells
        self.headers = headers
        self.positions = positions
        self.errors: list[tuple[int, str]] = []

    def add(self, key: str, message: str) -> None:
        self.errors.append((self.positions.get(key, len(self.positions)), message))

    def text(self, key: str, max_length: int = NAME_MAX_LENGTH) -> str:
        value = _tidy(self.cells.get(key, ""))
        if len(value) > max_length:
            self.error(
                _("Row %(row)s, column “%(column)s”: this is longer than %(max)s characters."),
                key,
                max=max_length,
            )
            return ""
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if not _tidy(self.cells.get(key, "")):
            self.error(_("Row %(row)s, column “%(column)s”: this cell is empty."), key)
        return value

    def name(self, prefix_key: str, last_key: str) -> str:
        prefix = self.text(prefix_key)
        last = self.text(last_key)
        if not last:
            return ""
        joined = _tidy(f"{prefix} {last}")
        if len(joined) > NAME_MAX_LENGTH:
            self.error(
                _("Row %(row)s, column “%(column)s”: this is longer than %(max)s characters."),
                last_key,
                max=NAME_MAX_LENGTH,
            )
            return ""
        return joined

    def yes_no(self, key: str) -> bool | None:
        value = self.text(key).casefold()
        if not value:
            return None
        if value in _YES:
            return True
        if value in _NO:
            return False
        self.error(
            _("Row %(row)s, column “%(column)s”: “%(value)s” is not yes or no. Write ja or nee."),
            key,
        )
        return None

    def language(self, key: str) -> Language | None:
        value = self.text(key)
        if not value:
            return None
        language = Language.from_text(value)
        if language is None:
            self.error(
                _(
                    "Row %(row)s, column “%(column)s”: we do not know the language "
                    "“%(value)s”. Write it in Dutch or English, for example Arabisch or "
                    "Arabic, or write “anders” for another language."
                ),
                key,
            )
        return language

    def date(self, key: str) -> dt.date | None:
        value = self.required(key)
        if not value:
            return None
        day = _date(value)
        if day is None:
            self.error(
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a date we can read. "
                    "Write day-month-year, for example 17-05-2019."
                ),
                key,
            )
        elif day > timezone.localdate():
            self.error(_("Row %(row)s, column “%(column)s”: %(value)s is in the future."), key)
            return None
        elif day < EARLIEST_BIRTH_DATE:
            self.error(
                _("Row %(row)s, column “%(column)s”: %(value)s is too long ago for a child here."),
                key,
            )
            return None
        return day

    def error(self, message: str, key: str, **extra: object) -> None:
        self.add(
            key,
            message
            % {
                "row": self.number,
                "column": self.headers.get(key, key),
                "value": _tidy(self.cells.get(key, "")),
                **extra,
            },
        )

    def guardian(self, number: int) -> GuardianRow | None:
        def key(name: str) -> str:
            return f"guardian:{number}:{name}"

        if not any(_tidy(value) for k, value in self.cells.items() if k.startswith(key(""))):
            return None
        guardian = GuardianRow(
            number=number,
            first_name=self.text(key("first_name")),
            last_name=self.name(key("prefix"), key("last_name")),
            email=self.text(key("email"), EMAIL_MAX_LENGTH),
            phone=self.text(key("phone"), PHONE_MAX_LENGTH),
            language=self.language(key("language")),
            parental_authority=self.yes_no(key("parental_authority")),
            lives_with_children=self.yes_no(key("lives_with_children")),
        )
        if not guardian.first_name or not guardian.last_name:
            self.add(
                key("first_name"),
                _(
                    "Row %(row)s: parent %(number)s needs a first name and a last name, "
                    "or leave all columns of parent %(number)s empty."
                )
                % {"row": self.number, "number": number},
            )
        relation = self.text(key("relation"))
        if relation:
            guardian.relation = _relation(relation)
            if guardian.relation is None:
                self.error(
                    _(
                        "Row %(row)s, column “%(column)s”: we do not know the relation "
                        "“%(value)s”. Write one of: %(choices)s."
                    ),
                    key("relation"),
                    choices=", ".join(str(label) for label in Guardian.Relation.labels),
                )
        if guardian.email:
            try:
                validate_email(guardian.email)
            except ValidationError:
                self.error(
                    _("Row %(row)s, column “%(column)s”: “%(value)s” is not an email address."),
                    key("email"),
                )
        if guardian.phone and (
            not _PHONE.match(guardian.phone) or sum(c.isdigit() for c in guardian.phone) < 6
        ):
            self.error(
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a phone number. "
                    "Use digits, and if needed spaces, + or -."
                ),
                key("phone"),
            )
        return guardian

    def read(self, guardian_numbers: list[int]) -> ChildRow:
        row = ChildRow(
            number=self.number,
            group_name=self.required("group"),
            first_name=self.required("first_name"),
            last_name=self.name("prefix", "last_name"),
            date_of_birth=self.date("date_of_birth"),
            family_name=self.text("family_name", FAMILY_NAME_MAX_LENGTH),
            home_language=self.language("home_language"),
            interpreter_wanted=self.yes_no("interpreter_wanted"),
        )
        if not _tidy(self.cells.get("last_name", "")):
            self.error(_("Row %(row)s, column “%(column)s”: this cell is empty."), "last_name")
        for number in guardian_numbers:
            guardian = self.guardian(number)
            if guardian is not None:
                row.guardians.append(guardian)
        emails = [g for g in row.guardians if g.email]
        for i, first in enumerate(emails):
            for second in emails[i + 1 :]:
                if first.email.casefold() == second.email.casefold():
                    self.add(
                        f"guardian:{second.number}:email",
                        _(
                            "Row %(row)s: parent %(first)s and parent %(second)s have the same "
                            "email address. Each parent needs their own address; leave it "
                            "empty for one of them."
                        )
                        % {"row": self.number, "first": first.number, "second": second.number},
                    )
        row.errors = [message for _position, message in sorted(self.errors, key=lambda e: e[0])]
        return row


@dataclass
class ParsedRoster:
    rows: list[ChildRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def parse(text: str) -> ParsedRoster:
    """Read and check every cell; nothing here looks at the database."""
    parsed = ParsedRoster()
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        parsed.file_errors.append(too_large_message())
        return parsed
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        records = list(reader)
    except csv.Error:
        parsed.file_errors.append(
            _(
                'The file could not be read near row %(row)s. Check that every quote (") '
                "that opens a cell also closes it."
            )
            % {"row": reader.line_num}
        )
        return parsed
    if not records or not any(cell.strip() for cell in records[0]):
        parsed.file_errors.append(_("The file is empty."))
        return parsed

    header, data = records[0], records[1:]
    keys: list[str | None] = []
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for cell in header:
        label = _tidy(cell)
        key = _column_key(label) if label else None
        if label and key is None:
            parsed.ignored_columns.append(label)
        if key is not None and key in headers:
            parsed.file_errors.append(
                _("The columns “%(first)s” and “%(second)s” mean the same. Remove one of them.")
                % {"first": headers[key], "second": label}
            )
        if key is not None:
            headers[key] = label
            positions[key] = len(keys)
        keys.append(key)
    missing = [name for key, name in REQUIRED.items() if key not in headers]
    if missing:
        parsed.file_errors.append(
            _(
                "The first row must name the columns. These columns are missing: %(columns)s. "
                "The example file shows how."
            )
            % {"columns": ", ".join(missing)}
        )
    filled = [
        (number, cells)
        for number, cells in enumerate(data, start=2)
        if any(cell.strip() for cell in cells)
    ]
    if len(filled) > MAX_ROWS:
        parsed.file_errors.append(
            _(
                "The file has more than %(max)s children. Split it into smaller files, "
                "for example one per group."
            )
            % {"max": MAX_ROWS}
        )
    elif not filled and not missing:
        parsed.file_errors.append(_("The file has column names, but no children below them."))
    if parsed.file_errors:
        return parsed

    guardian_numbers = sorted(
        {int(key.split(":")[1]) for key in headers if key.startswith("guardian:")}
    )
    for number, cells in filled:
        if len(cells) > len(keys) and any(cell.strip() for cell in cells[len(keys) :]):
            parsed.rows.append(
                ChildRow(
                    number=number,
                    errors=[
                        _(
                            "Row %(row)s has more cells than the first row has column names. "
                            "Perhaps a name contains the separator; put such a name between "
                            "double quotes."
                        )
                        % {"row": number}
                    ],
                )
            )
            continue
        values = {key: cell for key, cell in zip(keys, cells, strict=False) if key is not None}
        parsed.rows.append(_RowReader(number, values, headers, positions).read(guardian_numbers))
    return parsed


# What the import will do ----------------------------------------------------------


class Status(enum.StrEnum):
    NEW = "new"
    EXISTING = "existing"
    UPDATED = "updated"


@dataclass
class GuardianPreview:
    name: str
    status: Status

    @property
    def label(self) -> str:
        return {
            Status.NEW: _("new"),
            Status.UPDATED: _("details updated"),
            Status.EXISTING: _("no changes"),
        }[self.status]


@dataclass
class RowPreview:
    number: int
    child_name: str
    group_name: str
    date_of_birth: dt.date | None
    errors: list[str]
    child_status: Status | None = None
    enrolment_status: Status | None = None
    family_name: str = ""
    family_status: Status | None = None
    guardians: list[GuardianPreview] = field(default_factory=list)

    @property
    def child_label(self) -> str:
        if self.child_status is None:
            return ""
        if self.child_status == Status.NEW:
            return _("New child")
        if self.enrolment_status == Status.NEW:
            return _("Known child, added to this group")
        return _("Known child, already in this group")

    @property
    def family_label(self) -> str:
        if self.family_status is None:
            return ""
        return _("New family") if self.family_status == Status.NEW else _("Existing family")


@dataclass
class Counts:
    new_children: int = 0
    known_children: int = 0
    new_families: int = 0
    known_families: int = 0
    new_guardians: int = 0
    updated_guardians: int = 0
    new_enrolments: int = 0


@dataclass
class RosterPreview:
    """What an import did, or would do, row by row; and what stops it."""

    school_year: int
    rows: list[RowPreview] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    imported: bool = False

    @property
    def errors(self) -> list[str]:
        return self.file_errors + [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def school_year_label(self) -> str:
        return school_year.label(self.school_year)

    def summary(self) -> str:
        return _(
            "Children added: %(new_children)s. Children already known: %(known_children)s. "
            "Families added: %(new_families)s. Families updated: %(known_families)s."
        ) % {
            "new_children": self.counts.new_children,
            "known_children": self.counts.known_children,
            "new_families": self.counts.new_families,
            "known_families": self.counts.known_families,
        }


@dataclass(eq=False)
class _FamilyPlan:
    family: Family
    guardians: list[Guardian]
    is_new: bool
    changed: bool = False


@dataclass(eq=False)
class _ChildPlan:
    child: Child
    family: _FamilyPlan
    is_new: bool


def _child_key(first_name: str, last_name: str, date_of_birth: dt.date) -> tuple[str, str, dt.date]:
    return (_tidy(first_name).casefold(), _tidy(last_name).casefold(), date_of_birth)


class _Planner:
    """Decides per row what to create, reuse or update, in memory only.

    Everything at the location is loaded once, so planning 2,000 rows costs a
    handful of queries; `save()` then writes the plan in bulk.
    """

    GUARDIAN_FIELDS = (
        "first_name",
        "last_name",
        "relation",
        "email",
        "phone",
        "preferred_language",
        "has_parental_authority",
        "lives_with_children",
    )

    def __init__(self, location: Location, year: int) -> None:
        self.location = location
        self.year = year
        self.groups = {
            group.name.casefold(): group for group in location.groups.filter(school_year=year)
        }
        families = {family.pk: family for family in location.families.all()}
        guardians: dict[int, list[Guardian]] = {pk: [] for pk in families}
        for guardian in Guardian.objects.filter(family__location=location).order_by("pk"):
            guardian.family = families[guardian.family_id]
            guardians[guardian.family_id].append(guardian)
        self.family_plans = {
            pk: _FamilyPlan(family=family, guardians=guardians[pk], is_new=False)
            for pk, family in families.items()
        }
        self.by_email: dict[str, _FamilyPlan] = {}
        for plan in self.family_plans.values():
            for guardian in plan.guardians:
                if guardian.email:
                    self.by_email.setdefault(guardian.email.casefold(), plan)
        self.children: dict[tuple[str, str, dt.date], _ChildPlan] = {}
        for child in Child.objects.filter(family__location=location).order_by("pk"):
            plan = self.family_plans[child.family_id]
            child.family = plan.family
            key = _child_key(child.first_name, child.last_name, child.date_of_birth)
            self.children.setdefault(key, _ChildPlan(child=child, family=plan, is_new=False))
        self.enrolled = set(
            Enrolment.objects.filter(
                child__family__location=location, group__location=location
            ).values_list("child_id", "group_id")
        )
        self.new_families: list[_FamilyPlan] = []
        self.new_children: list[Child] = []
        self.new_guardians: list[Guardian] = []
        self.updated_guardians: dict[int, Guardian] = {}
        self.new_enrolments: list[Enrolment] = []
        self.planned_enrolments: set[tuple[int, int]] = set()
        self.known_children: set[int] = set()
        self.known_families: set[int] = set()

    def plan(self, row: ChildRow) -> RowPreview:
        preview = RowPreview(
            number=row.number,
            child_name=row.full_name,
            group_name=row.group_name,
            date_of_birth=row.date_of_birth,
            errors=row.errors,
        )
        group = self.groups.get(row.group_name.casefold())
        if group is None and row.group_name:
            # The group is the first thing a coordinator checks in a row.
            row.errors.insert(
                0,
                _("Row %(row)s: group “%(group)s” does not exist at this location for %(year)s.")
                % {
                    "row": row.number,
                    "group": row.group_name,
                    "year": school_year.label(self.year),
                },
            )
        if row.errors or group is None or row.date_of_birth is None:
            return preview

        key = _child_key(row.first_name, row.last_name, row.date_of_birth)
        child_plan = self.children.get(key)
        if child_plan is None:
            family_plan = self._family_for(row)
            child = Child(
                family=family_plan.family,
                first_name=row.first_name,
                last_name=row.last_name,
                date_of_birth=row.date_of_birth,
            )
            child_plan = _ChildPlan(child=child, family=family_plan, is_new=True)
            self.children[key] = child_plan
            self.new_children.append(child)
        elif not child_plan.is_new:
            self.known_children.add(child_plan.child.pk)
        family_plan = child_plan.family
        if not family_plan.is_new:
            self.known_families.add(family_plan.family.pk)
        self._update_family(family_plan, row)
        preview.child_status = Status.NEW if child_plan.is_new else Status.EXISTING
        preview.family_name = family_plan.family.name
        preview.family_status = Status.NEW if family_plan.is_new else Status.EXISTING
        taken: set[int] = set()
        preview.guardians = [self._guardian(family_plan, g, taken) for g in row.guardians]
        preview.enrolment_status = self._enrol(child_plan, group)
        return preview

    def _family_for(self, row: ChildRow) -> _FamilyPlan:
        for guardian in row.guardians:
            if guardian.email and guardian.email.casefold() in self.by_email:
                return self.by_email[guardian.email.casefold()]
        family = Family(
            location=self.location,
            name=row.family_name or f"Familie {row.last_name}",
            home_language=row.home_language or Language.DUTCH,
            interpreter_wanted=bool(row.interpreter_wanted),
        )
        plan = _FamilyPlan(family=family, guardians=[], is_new=True)
        self.new_families.append(plan)
        return plan

    def _update_family(self, plan: _FamilyPlan, row: ChildRow) -> None:
        family = plan.family
        if row.home_language is not None and family.home_language != row.home_language:
            family.home_language = row.home_language
            plan.changed = True
        if (
            row.interpreter_wanted is not None
            and family.interpreter_wanted != row.interpreter_wanted
        ):
            family.interpreter_wanted = row.interpreter_wanted
            plan.changed = True

    def _guardian(self, plan: _FamilyPlan, data: GuardianRow, taken: set[int]) -> GuardianPreview:
        """Find the parent in the family by email, else by name; `taken` holds the
        guardians already matched in this row, so two parents never become one."""
        candidates = [g for g in plan.guardians if id(g) not in taken]
        email = data.email.casefold()
        wanted_name = (data.first_name.casefold(), data.last_name.casefold())
        match = next((g for g in candidates if email and g.email.casefold() == email), None)
        if match is None:
            match = next(
                (
                    g
                    for g in candidates
                    if (g.first_name.casefold(), g.last_name.casefold()) == wanted_name
                ),
                None,
            )
        if match is None:
            match = Guardian(family=plan.family, relation=Guardian.Relation.PARENT)
            plan.guardians.append(match)
            self.new_guardians.append(match)
        taken.add(id(match))
        values = {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "relation": data.relation,
            "email": data.email,
            "phone": data.phone,
            "preferred_language": data.language,
            "has_parental_authority": data.parental_authority,
            "lives_with_children": data.lives_with_children,
        }
        if email and match.email.casefold() == email:
            del values["email"]
        changed = False
        for name, value in values.items():
            # An empty cell keeps what is known.
            if value not in (None, "") and getattr(match, name) != value:
                setattr(match, name, value)
                changed = True
        if email:
            self.by_email.setdefault(email, plan)
        if match.pk is None:
            return GuardianPreview(name=data.full_name, status=Status.NEW)
        if changed:
            self.updated_guardians[match.pk] = match
            return GuardianPreview(name=data.full_name, status=Status.UPDATED)
        return GuardianPreview(name=data.full_name, status=Status.EXISTING)

    def _enrol(self, plan: _ChildPlan, group: Group) -> Status:
        child = plan.child
        if child.pk is not None and (child.pk, group.pk) in self.enrolled:
            return Status.EXISTING
        if (id(child), group.pk) in self.planned_enrolments:
            return Status.NEW
        self.planned_enrolments.add((id(child), group.pk))
        self.new_enrolments.append(Enrolment(child=child, group=group))
        return Status.NEW

    def counts(self) -> Counts:
        return Counts(
            new_children=len(self.new_children),
            known_children=len(self.known_children),
            new_families=len(self.new_families),
            known_families=len(self.known_families),
            new_guardians=len(self.new_guardians),
            updated_guardians=len(self.updated_guardians),
            new_enrolments=len(self.new_enrolments),
        )

    def save(self) -> None:
        Family.objects.bulk_create([plan.family for plan in self.new_families])
        changed = [p.family for p in self.family_plans.values() if p.changed]
        Family.objects.bulk_update(changed, ["home_language", "interpreter_wanted"])
        # bulk_create takes each new family's id from the instance saved above.
        Guardian.objects.bulk_create(self.new_guardians)
        Guardian.objects.bulk_update(list(self.updated_guardians.values()), self.GUARDIAN_FIELDS)
        Child.objects.bulk_create(self.new_children)
        Enrolment.objects.bulk_create(self.new_enrolments)


@transaction.atomic
def roster_import(
    *,
    location: Location,
    file_bytes: bytes | None = None,
    text: str | None = None,
    dry_run: bool,
) -> RosterPreview:
    """Check a roster and, unless `dry_run` or anything is wrong, import it.

    Pass the file as uploaded (`file_bytes`) or already decoded (`text`). The
    returned preview says per row what happens; `imported` is true only when
    the whole file was saved.
    """
    if (file_bytes is None) == (text is None):
        raise TypeError("Pass exactly one of file_bytes and text.")
    year = school_year.current_school_year()
    preview = RosterPreview(school_year=year)
    if text is None:
        try:
            text = decode(file_bytes or b"")
        except RosterFileError as error:
            preview.file_errors.append(error.message)
            return preview
    parsed = parse(text)
    preview.file_errors = parsed.file_errors
    preview.ignored_columns = parsed.ignored_columns
    if parsed.file_errors:
        return preview
    if not dry_run:
        # One import at a time per location, so two uploads of one file
        # cannot both decide that a child is new.
        Location.objects.select_for_update().get(pk=location.pk)
    planner = _Planner(location, year)
    preview.rows = [planner.plan(row) for row in parsed.rows]
    preview.counts = planner.counts()
    if preview.is_valid and not dry_run:
        planner.save()
        preview.imported = True
    return preview
