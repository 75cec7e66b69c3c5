"""The prompt library: the seeded shared prompts, and how coordinators manage
their location's own."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from conversations.models import Audience, ChosenPrompt, Kind, Need, Phase, Prompt, PromptKind
from conversations.services import prompt_save
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]


@pytest.fixture
def own_prompt(location):
    return prompt_save(
        prompt=None,
        location=location,
        need=Need.RELATEDNESS,
        audience=Audience.PARENT,
        phase=Phase.OPEN,
        kinds=[Kind.WELLBEING, Kind.INFORMAL],
        text_nl="Hoe was de eerste week voor jullie?",
        text_en="How was the first week for you?",
    )


@pytest.fixture
def other_prompt(other_location):
    return prompt_save(
        prompt=None,
        location=other_location,
        need=Need.COMPETENCE,
        audience=Audience.CHILD,
        phase=Phase.EXPLORE,
        kinds=[Kind.PROGRESS],
        text_nl="Wat heb je deze week geleerd?",
    )


@pytest.fixture
def shared_prompt():
    return Prompt.objects.filter(location__isnull=True).order_by("pk").first()


def _post_data(**overrides):
    data = {
        "need": Need.AUTONOMY,
        "audience": Audience.PARENT,
        "phase": Phase.AGREE,
        "kinds": [Kind.CONCERN, Kind.SUPPORT_PLAN],
        "text_nl": "Welke afspraak past het best bij jullie thuis?",
        "text_en": "Which agreement fits best at home?",
    }
    data.update(overrides)
    return data


def _login_url(next_url: str) -> str:
    return f"{reverse('login')}?next={next_url}"


# The seeded library


def _shared():
    return Prompt.objects.filter(location__isnull=True)


def test_it_seeds_a_library_of_at_least_sixty_prompts():
    assert _shared().count() >= 72


def test_it_seeds_at_least_twelve_prompts_per_need():
    per_need = Counter(_shared().values_list("need", flat=True))
    assert {need: per_need[need] >= 12 for need in Need.values} == dict.fromkeys(Need.values, True)


def test_it_seeds_every_need_for_every_audience():
    pairs = Counter(_shared().values_list("need", "audience"))
    missing = [
        (need, audience)
        for need in Need.values
        for audience in Audience.values
        if pairs[(need, audience)] < 5
    ]
    assert missing == []


def test_it_seeds_every_kind_for_every_audience_that_applies():
    pairs = set(
        PromptKind.objects.filter(prompt__location__isnull=True).values_list(
            "kind", "prompt__audience"
        )
    )
    expected = {
        (kind, audience)
        for kind in Kind.values
        for audience in Audience.values
        if not (kind == Kind.INFORMAL and audience == Audience.CHILD)
    }
    assert expected - pairs == set()


def test_it_seeds_every_phase_for_every_kind():
    pairs = set(
        PromptKind.objects.filter(prompt__location__isnull=True).values_list(
            "kind", "prompt__phase"
        )
    )
    expected = {(kind, phase) for kind in Kind.values for phase in Phase.values}
    # A word at the door has no agenda to prepare or agree on; it opens,
    # explores and closes.
    optional = {(Kind.INFORMAL, Phase.PREPARE), (Kind.INFORMAL, Phase.AGREE)}
    assert expected - optional - pairs == set()


def test_it_seeds_every_prompt_in_dutch_and_english():
    prompts = list(_shared())
    assert [p.pk for p in prompts if not p.text_nl.strip() or not p.text_en.strip()] == []
    assert len({p.text_nl for p in prompts}) == len(prompts)
    assert len({p.text_en for p in prompts}) == len(prompts)


def test_it_keeps_seeded_prompts_short():
    # One or two sentences each.
    too_long = [p.text_nl for p in _shared() if p.text_nl.count("?") + p.text_nl.count(".") > 2]
    assert too_long == []
    assert max(len(text) for text in _shared().values_list("text_nl", flat=True)) < 200


def test_it_gives_every_seeded_prompt_a_kind():
    assert not _shared().filter(kinds__isnull=True).exists()


# The list


def test_it_shows_a_coordinator_the_shared_and_own_prompts(
    coordinator_client, location, own_prompt, other_prompt
):
    response = coordinator_client.get(reverse("prompt_list", args=[location.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Question library" in content
    assert "How was the first week for you?" in content
    assert "Wat heb je deze week geleerd?" not in content
    assert response.context["page"].paginator.count == _shared().count() + 1


def test_it_pages_the_library_at_fifty(coordinator_client, location):
    url = reverse("prompt_list", args=[location.pk])
    first = coordinator_client.get(url)
    assert len(first.context["prompts"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = coordinator_client.get(url, {"page": 2})
    assert len(second.context["prompts"]) == _shared().count() - 50


def test_it_filters_by_need_audience_phase_and_kind(coordinator_client, location, own_prompt):
    response = coordinator_client.get(
        reverse("prompt_list", args=[location.pk]),
        {"need": "relatedness", "audience": "parent", "phase": "open", "kind": "informal"},
    )
    prompts = response.context["prompts"]
    assert own_prompt in prompts
    assert {(p.need, p.audience, p.phase) for p in prompts} == {("relatedness", "parent", "open")}
    assert all("Informal contact" in p.kind_labels for p in prompts)
    assert (
        len(prompts)
        == Prompt.objects.for_location(location)
        .for_kind("informal")
        .filter(need="relatedness", audience="parent", phase="open")
        .count()
    )
    assert "Show all questions" in response.content.decode()


def test_it_ignores_an_unknown_filter_value(coordinator_client, location):
    response = coordinator_client.get(
        reverse("prompt_list", args=[location.pk]), {"need": "happiness"}
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == _shared().count()


def test_it_returns_only_the_results_to_htmx(coordinator_client, location):
    response = coordinator_client.get(
        reverse("prompt_list", args=[location.pk]), {"audience": "child"}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="prompt-results"' in content
    assert "What do you like best in the group?" in content
    assert "Who needs what" not in content
    assert "HX-Request" in response["Vary"]


def test_it_shows_retired_own_prompts_apart(coordinator_client, location, own_prompt):
    coordinator_client.post(reverse("prompt_retire", args=[own_prompt.pk]))
    response = coordinator_client.get(reverse("prompt_list", args=[location.pk]))
    assert own_prompt not in response.context["page"].object_list
    assert [p.pk for p in response.context["retired"]] == [own_prompt.pk]
    content = response.content.decode()
    assert "Retired questions" in content
    assert reverse("prompt_restore", args=[own_prompt.pk]) in content


def test_it_lists_the_library_in_a_fixed_number_of_queries(
    coordinator_client, location, django_assert_max_num_queries
):
    for n in range(10):
        prompt = prompt_save(
            prompt=None,
            location=location,
            need=Need.AUTONOMY,
            audience=Audience.PARENT,
            phase=Phase.PREPARE,
            kinds=[Kind.WELLBEING, Kind.PROGRESS],
            text_nl=f"Eigen vraag {n}?",
        )
        if n % 2:
            prompt.retired_at = prompt.created_at
            prompt.save()
    assert Prompt.objects.for_location(location).count() >= 80
    with django_assert_max_num_queries(9 + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse("prompt_list", args=[location.pk]))
    assert len(response.context["prompts"]) == 50
    assert len(response.context["retired"]) == 5
    with django_assert_max_num_queries(9 + SESSION_RENEWAL_QUERIES):
        response = coordinator_client.get(reverse("prompt_list", args=[location.pk]), {"page": 2})
    assert len(response.context["prompts"]) == min(50, _shared().count() + 5 - 50)


def test_it_links_the_library_from_the_location_overview(coordinator_client, location):
    response = coordinator_client.get(reverse("location_overview", args=[location.pk]))
    assert reverse("prompt_list", args=[location.pk]) in response.content.decode()


# Scoping and methods


@pytest.mark.parametrize("name", ["prompt_list", "prompt_create"])
def test_it_hides_a_location_library_from_outsiders(
    name, location, other_coordinator_client, teacher_client, teacher2_client
):
    url = reverse(name, args=[location.pk])
    assert other_coordinator_client.get(url).status_code == 404
    assert teacher_client.get(url).status_code == 404
    assert teacher2_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["prompt_list", "prompt_create"])
def test_it_sends_anonymous_visitors_to_login_from_location_pages(name, client, location):
    url = reverse(name, args=[location.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == _login_url(url)


@pytest.mark.parametrize(
    "name", ["prompt_edit", "prompt_retire", "prompt_restore", "prompt_delete"]
)
def test_it_hides_own_prompts_from_outsiders(
    name, own_prompt, other_coordinator_client, teacher_client, teacher2_client
):
    url = reverse(name, args=[own_prompt.pk])
    for outsider in (other_coordinator_client, teacher_client, teacher2_client):
        assert outsider.post(url, _post_data()).status_code == 404
    own_prompt.refresh_from_db()
    assert own_prompt.text_nl == "Hoe was de eerste week voor jullie?"
    assert own_prompt.retired_at is None


@pytest.mark.parametrize(
    "name", ["prompt_edit", "prompt_retire", "prompt_restore", "prompt_delete"]
)
def test_it_never_lets_a_coordinator_change_a_shared_prompt(
    name, coordinator_client, shared_prompt
):
    text = shared_prompt.text_nl
    url = reverse(name, args=[shared_prompt.pk])
    assert coordinator_client.post(url, _post_data()).status_code == 404
    shared_prompt.refresh_from_db()
    assert shared_prompt.text_nl == text
    assert shared_prompt.retired_at is None


def test_it_does_not_open_a_shared_prompt_for_editing(coordinator_client, shared_prompt):
    assert (
        coordinator_client.get(reverse("prompt_edit", args=[shared_prompt.pk])).status_code == 404
    )


@pytest.mark.parametrize(
    "name", ["prompt_edit", "prompt_retire", "prompt_restore", "prompt_delete"]
)
def test_it_sends_anonymous_visitors_to_login_from_prompt_pages(name, client, own_prompt):
    url = reverse(name, args=[own_prompt.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == _login_url(url)


def test_it_refuses_posts_to_the_list(coordinator_client, location):
    assert coordinator_client.post(reverse("prompt_list", args=[location.pk])).status_code == 405


@pytest.mark.parametrize("name", ["prompt_retire", "prompt_restore", "prompt_delete"])
def test_it_refuses_get_on_actions(name, coordinator_client, own_prompt):
    assert coordinator_client.get(reverse(name, args=[own_prompt.pk])).status_code == 405
    assert Prompt.objects.filter(pk=own_prompt.pk, retired_at__isnull=True).exists()


def test_it_refuses_other_methods_on_forms(coordinator_client, location, own_prompt):
    assert coordinator_client.put(reverse("prompt_create", args=[location.pk])).status_code == 405
    assert (
        coordinator_client.delete(reverse("prompt_edit", args=[own_prompt.pk])).status_code == 405
    )


# Create and edit


def test_it_lets_a_coordinator_add_a_prompt(coordinator_client, location):
    response = coordinator_client.post(reverse("prompt_create", args=[location.pk]), _post_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("prompt_list", args=[location.pk])
    prompt = Prompt.objects.get(text_nl="Welke afspraak past het best bij jullie thuis?")
    assert prompt.location == location
    assert (prompt.need, prompt.audience, prompt.phase) == ("autonomy", "parent", "agree")
    assert prompt.text_en == "Which agreement fits best at home?"
    assert set(prompt.kinds.values_list("kind", flat=True)) == {"concern", "support_plan"}
    followed = coordinator_client.get(response["Location"])
    assert "is added to the library" in followed.content.decode()


def test_it_shows_the_empty_form(coordinator_client, location):
    response = coordinator_client.get(reverse("prompt_create", args=[location.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Add a question" in content
    assert "Which kinds of conversation does it fit?" in content


def test_it_adds_a_prompt_without_english(coordinator_client, location):
    coordinator_client.post(reverse("prompt_create", args=[location.pk]), _post_data(text_en=""))
    assert Prompt.objects.get(location=location).text_en == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kinds", [], "Choose at least one kind of conversation."),
        ("text_nl", "   ", "This field is required."),
        ("need", "happiness", "Select a valid choice."),
        ("phase", "", "This field is required."),
    ],
)
def test_it_refuses_an_incomplete_prompt(coordinator_client, location, field, value, message):
    response = coordinator_client.post(
        reverse("prompt_create", args=[location.pk]), _post_data(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prompt.objects.filter(location=location).exists()


def test_it_shows_an_own_prompt_for_editing(coordinator_client, own_prompt):
    response = coordinator_client.get(reverse("prompt_edit", args=[own_prompt.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hoe was de eerste week voor jullie?" in content
    assert re.search(r'value="informal"[^>]*checked', content)
    assert not re.search(r'value="progress"[^>]*checked', content)
    assert "Delete this question" in content


def test_it_lets_a_coordinator_edit_an_own_prompt(coordinator_client, own_prompt, location):
    response = coordinator_client.post(
        reverse("prompt_edit", args=[own_prompt.pk]),
        _post_data(kinds=[Kind.INFORMAL, Kind.PROGRESS], text_nl="Hoe gaat het nu?"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("prompt_list", args=[location.pk])
    own_prompt.refresh_from_db()
    assert own_prompt.text_nl == "Hoe gaat het nu?"
    assert own_prompt.need == "autonomy"
    assert set(own_prompt.kinds.values_list("kind", flat=True)) == {"informal", "progress"}


def test_it_keeps_the_text_a_conversation_used_when_the_prompt_changes(
    coordinator_client, own_prompt, conversation
):
    ChosenPrompt.objects.create(
        conversation=conversation,
        prompt=own_prompt,
        audience=own_prompt.audience,
        need=own_prompt.need,
        text=own_prompt.text_nl,
    )
    page = coordinator_client.get(reverse("prompt_edit", args=[own_prompt.pk]))
    assert "This question was used in 1 conversation." in page.content.decode()
    assert "Delete this question" not in page.content.decode()

    coordinator_client.post(
        reverse("prompt_edit", args=[own_prompt.pk]), _post_data(text_nl="Iets heel anders?")
    )
    own_prompt.refresh_from_db()
    assert own_prompt.text_nl == "Iets heel anders?"
    assert conversation.chosen_prompts.get().text == "Hoe was de eerste week voor jullie?"


def test_it_keeps_a_prompt_with_its_location(own_prompt, other_location):
    with pytest.raises(ValueError, match="location"):
        prompt_save(
            prompt=own_prompt,
            location=other_location,
            need=Need.AUTONOMY,
            audience=Audience.PARENT,
            phase=Phase.OPEN,
            kinds=[Kind.WELLBEING],
            text_nl="Verhuisd?",
        )


# Retire, restore, delete


def test_it_retires_a_prompt(coordinator_client, own_prompt, location):
    response = coordinator_client.post(reverse("prompt_retire", args=[own_prompt.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("prompt_list", args=[location.pk])
    own_prompt.refresh_from_db()
    assert own_prompt.is_retired
    assert own_prompt not in Prompt.objects.active()
    followed = coordinator_client.get(response["Location"])
    assert "is retired" in followed.content.decode()


def test_it_returns_to_the_filtered_list_after_an_action(coordinator_client, own_prompt, location):
    response = coordinator_client.post(
        reverse("prompt_retire", args=[own_prompt.pk]),
        {"need": "relatedness", "kind": "informal", "phase": "nonsense"},
    )
    assert response["Location"] == (
        reverse("prompt_list", args=[location.pk]) + "?need=relatedness&kind=informal"
    )


def test_it_restores_a_retired_prompt(coordinator_client, own_prompt):
    coordinator_client.post(reverse("prompt_retire", args=[own_prompt.pk]))
    response = coordinator_client.post(reverse("prompt_restore", args=[own_prompt.pk]))
    assert response.status_code == 302
    own_prompt.refresh_from_db()
    assert not own_prompt.is_retired
    followed = coordinator_client.get(response["Location"])
    assert "is back in the library" in followed.content.decode()


def test_it_deletes_a_prompt_nobody_used(coordinator_client, own_prompt):
    response = coordinator_client.post(reverse("prompt_delete", args=[own_prompt.pk]))
    assert response.status_code == 302
    assert not Prompt.objects.filter(pk=own_prompt.pk).exists()
    assert not PromptKind.objects.filter(prompt_id=own_prompt.pk).exists()
    followed = coordinator_client.get(response["Location"])
    assert "is deleted" in followed.content.decode()


def test_it_retires_a_used_prompt_instead_of_deleting_it(
    coordinator_client, own_prompt, conversation
):
    ChosenPrompt.objects.create(
        conversation=conversation,
        prompt=own_prompt,
        audience=own_prompt.audience,
        text=own_prompt.text_nl,
    )
    response = coordinator_client.post(reverse("prompt_delete", args=[own_prompt.pk]))
    assert response.status_code == 302
    own_prompt.refresh_from_db()
    assert own_prompt.is_retired
    assert conversation.chosen_prompts.get().prompt == own_prompt
    followed = coordinator_client.get(response["Location"]).content.decode()
    assert "so it is retired instead of deleted" in followed
    # Once retired and used, the list offers to put it back, never to delete it.
    assert reverse("prompt_restore", args=[own_prompt.pk]) in followed
    assert reverse("prompt_delete", args=[own_prompt.pk]) not in followed


def test_it_offers_to_delete_a_retired_prompt_nobody_used(coordinator_client, own_prompt, location):
    coordinator_client.post(reverse("prompt_retire", args=[own_prompt.pk]))
    content = coordinator_client.get(reverse("prompt_list", args=[location.pk])).content.decode()
    assert reverse("prompt_delete", args=[own_prompt.pk]) in content
