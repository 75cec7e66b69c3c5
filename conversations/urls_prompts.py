from __future__ import annotations

from django.urls import path

from conversations.views import prompts

urlpatterns = [
    path("locaties/<int:location_id>/vragen/", prompts.prompt_list, name="prompt_list"),
    path("locaties/<int:location_id>/vragen/nieuw/", prompts.prompt_create, name="prompt_create"),
    path("vragen/<int:prompt_id>/", prompts.prompt_edit, name="prompt_edit"),
    path("vragen/<int:prompt_id>/intrekken/", prompts.prompt_retire, name="prompt_retire"),
    path("vragen/<int:prompt_id>/terugzetten/", prompts.prompt_restore, name="prompt_restore"),
    path("vragen/<int:prompt_id>/verwijderen/", prompts.prompt_delete, name="prompt_delete"),
]
