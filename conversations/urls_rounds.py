"""Meeting rounds for professionals and coordinators: slots, bookings, the
day schedule (conversations.views.rounds)."""

from __future__ import annotations

from django.urls import path

from conversations.views import rounds

urlpatterns = [
    path("rondes/", rounds.round_list, name="round_list"),
    path("rondes/nieuw/", rounds.round_create, name="round_create"),
    path("rondes/<int:round_id>/", rounds.round_detail, name="round_detail"),
    path("rondes/<int:round_id>/wijzigen/", rounds.round_edit, name="round_edit"),
    path("rondes/<int:round_id>/tijden/nieuw/", rounds.round_slots_add, name="round_slots_add"),
    path(
        "rondes/<int:round_id>/tijden/<int:slot_id>/blokkeren/",
        rounds.slot_block,
        name="slot_block",
    ),
    path(
        "rondes/<int:round_id>/tijden/<int:slot_id>/verwijderen/",
        rounds.slot_delete,
        name="slot_delete",
    ),
    path(
        "rondes/<int:round_id>/gesprekken/<int:conversation_id>/boeken/",
        rounds.round_book,
        name="round_book",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/verzetten/",
        rounds.booking_move,
        name="booking_move",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/verlengen/",
        rounds.booking_extend,
        name="booking_extend",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/annuleren/",
        rounds.booking_cancel_staff,
        name="booking_cancel_staff",
    ),
    path("rondes/<int:round_id>/nog-niet-geboekt/", rounds.round_unbooked, name="round_unbooked"),
    path("rondes/<int:round_id>/herinneren/", rounds.round_remind, name="round_remind"),
    path("rondes/<int:round_id>/dag/<str:day>/", rounds.round_day_print, name="round_day_print"),
]
