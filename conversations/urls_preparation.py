from __future__ import annotations

from django.urls import path

from conversations.views import preparation

urlpatterns = [
    path(
        "gesprekken/<int:conversation_id>/voorbereiding/",
        preparation.preparation_start,
        name="preparation_start",
    ),
    # Before the steps: "print" would otherwise be taken for a step's slug.
    path(
        "gesprekken/<int:conversation_id>/voorbereiding/print/",
        preparation.preparation_print,
        name="preparation_print",
    ),
    path(
        "gesprekken/<int:conversation_id>/voorbereiding/<slug:step>/",
        preparation.preparation_step,
        name="preparation_step",
    ),
    path(
        "gesprekken/<int:conversation_id>/vragen/kiezen/",
        preparation.prompt_choose,
        name="prompt_choose",
    ),
    path(
        "gesprekken/<int:conversation_id>/vragen/eigen/",
        preparation.own_question_add,
        name="own_question_add",
    ),
    path(
        "gesprekken/<int:conversation_id>/agenda/nieuw/",
        preparation.agenda_item_add,
        name="agenda_item_add",
    ),
    path(
        "gesprekken/<int:conversation_id>/agenda/<int:item_id>/wijzigen/",
        preparation.agenda_item_update,
        name="agenda_item_update",
    ),
    path(
        "gesprekken/<int:conversation_id>/agenda/<int:item_id>/verwijderen/",
        preparation.agenda_item_delete,
        name="agenda_item_delete",
    ),
    path(
        "gesprekken/<int:conversation_id>/agenda/<int:item_id>/verplaatsen/",
        preparation.agenda_item_move,
        name="agenda_item_move",
    ),
]
