"""Meeting rounds for professionals and coordinators: the rounds and their
schedule (conversations.views.rounds), slots (.round_slots), bookings and
the families who have not booked yet (.round_bookings)."""

from __future__ import annotations

from django.urls import path

from conversations.views import round_bookings, round_slots, rounds

urlpatterns = [
    path("rondes/", rounds.round_list, name="round_list"),
    path("rondes/nieuw/", rounds.round_create, name="round_create"),
    path("rondes/<int:round_id>/", rounds.round_detail, name="round_detail"),
    path("rondes/<int:round_id>/wijzigen/", rounds.round_edit, name="round_edit"),
    path(
        "rondes/<int:round_id>/tijden/nieuw/", round_slots.round_slots_add, name="round_slots_add"
    ),
    path(
        "rondes/<int:round_id>/tijden/<int:slot_id>/blokkeren/",
        round_slots.slot_block,
        name="slot_block",
    ),
    path(
        "rondes/<int:round_id>/tijden/<int:slot_id>/verwijderen/",
        round_slots.slot_delete,
        name="slot_delete",
    ),
    path(
        "rondes/<int:round_id>/gesprekken/<int:conversation_id>/boeken/",
        round_bookings.round_book,
        name="round_book",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/verzetten/",
        round_bookings.booking_move,
        name="booking_move",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/verlengen/",
        round_bookings.booking_extend,
        name="booking_extend",
    ),
    path(
        "rondes/<int:round_id>/afspraken/<int:booking_id>/annuleren/",
        round_bookings.booking_cancel_staff,
        name="booking_cancel_staff",
    ),
    path(
        "rondes/<int:round_id>/nog-niet-geboekt/",
        round_bookings.round_unbooked,
        name="round_unbooked",
    ),
    path("rondes/<int:round_id>/herinneren/", round_bookings.round_remind, name="round_remind"),
    path("rondes/<int:round_id>/dag/<str:day>/", rounds.round_day_print, name="round_day_print"),
]
