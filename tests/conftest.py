"""Named test users and the world they live in.

Two locations. At `location`: `teacher` works with `group`, `teacher2` with
`other_group`, `coordinator` coordinates the location. `other_coordinator`
coordinates `other_location`. `child` (in `family`) is in `group`;
`other_child` is in `other_group`.

Parents have no account: `parent_link` is the key of `family`'s first guardian
(Ayşe) to `conversation`; `other_family_link` belongs to `other_child`'s parent,
for a conversation `teacher2` prepares. Both carry their token as `.token`.
"""

from __future__ import annotations

import pytest
from asgiref.local import Local
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.tasks import task_backends
from django.test import Client

from families.models import StaffMembership
from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and login lockouts count in the cache: every test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@receiver(setting_changed)
def _reset_task_backends(*, setting, **kwargs):
    """Django forgets its cached task backends on no setting change (it does
    for CACHES): a test that changes TASKS gets the backend it asked for."""
    if setting == "TASKS":
        task_backends.__dict__.pop("settings", None)
        task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def task_worker(settings):
    """Tasks wait in the database for the worker, as in production
    (`TASK_WORKER`); the tests otherwise run each task at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def location(db):
    return factories.make_location(name="Kindcentrum De Linde", has_after_school_care=True)


@pytest.fixture
def other_location(db):
    return factories.make_location(name="Basisschool De Regenboog")


@pytest.fixture
def group(location):
    return factories.make_group(location, name="Groep 3")


@pytest.fixture
def other_group(location):
    return factories.make_group(location, name="Groep 5", min_age=8, max_age=9)


@pytest.fixture
def teacher(location, group):
    return factories.make_staff("teacher", location, groups=(group,))


@pytest.fixture
def teacher2(location, other_group):
    return factories.make_staff("teacher2", location, groups=(other_group,))


@pytest.fixture
def coordinator(location):
    return factories.make_staff("coordinator", location, role=StaffMembership.Role.COORDINATOR)


@pytest.fixture
def other_coordinator(other_location):
    return factories.make_staff(
        "other_coordinator", other_location, role=StaffMembership.Role.COORDINATOR
    )


@pytest.fixture
def family(location):
    family = factories.make_family(location, name="Familie Yilmaz", home_language="tr")
    factories.make_guardian(family, first_name="Ayşe", last_name="Yilmaz", relation="mother")
    return family


@pytest.fixture
def child(family, group):
    return factories.make_child(family, group, first_name="Emre", last_name="Yilmaz")


@pytest.fixture
def other_child(location, other_group):
    family = factories.make_family(location, name="Familie De Vries")
    factories.make_guardian(family, first_name="Sanne", last_name="de Vries")
    return factories.make_child(family, other_group, first_name="Noor", last_name="de Vries")


@pytest.fixture
def conversation(child, teacher):
    """A welbevindengesprek about `child`, prepared by `teacher`."""
    return factories.make_conversation(child, teacher)


@pytest.fixture
def parent_link(conversation):
    return factories.make_parent_link(conversation)


@pytest.fixture
def other_family_link(other_child, teacher2):
    return factories.make_parent_link(factories.make_conversation(other_child, teacher2))


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teacher_client(teacher):
    return _client_for(teacher)


@pytest.fixture
def teacher2_client(teacher2):
    return _client_for(teacher2)


@pytest.fixture
def coordinator_client(coordinator):
    return _client_for(coordinator)


@pytest.fixture
def other_coordinator_client(other_coordinator):
    return _client_for(other_coordinator)


@pytest.fixture
def english_clients(
    client, teacher_client, teacher2_client, coordinator_client, other_coordinator_client
):
    """Every named client reads English, so tests assert on the source texts
    whatever the catalogs hold."""
    for each in (
        client,
        teacher_client,
        teacher2_client,
        coordinator_client,
        other_coordinator_client,
    ):
        each.cookies["django_language"] = "en"


@pytest.fixture
def meeting_round(location, group, other_group, teacher, teacher2, child, other_child):
    """Progress talks for `group` and `other_group`, open now: six 10-minute
    slots for `teacher` and for `teacher2`, ten days from now from 18:00."""
    meeting_round = factories.make_round(location, [group, other_group], teacher)
    factories.make_slots(meeting_round, teacher)
    factories.make_slots(meeting_round, teacher2)
    return meeting_round


@pytest.fixture
def round_conversation(meeting_round, child):
    """`child`'s conversation in `meeting_round`."""
    return factories.round_conversation(meeting_round, child)


@pytest.fixture
def round_link(round_conversation):
    """Ayşe's link to `child`'s conversation in `meeting_round`."""
    return factories.make_parent_link(round_conversation)
