from __future__ import annotations

from django.urls import path

from conversations.views import coordination, review

urlpatterns = [
    path("locaties/<int:location_id>/", coordination.location_overview, name="location_overview"),
    path(
        "locaties/<int:location_id>/kinderen/",
        coordination.coordination_children,
        name="coordination_children",
    ),
    path(
        "locaties/<int:location_id>/afspraken/",
        coordination.coordination_agreements,
        name="coordination_agreements",
    ),
    path(
        "locaties/<int:location_id>/gesprekken/",
        coordination.coordination_conversations,
        name="coordination_conversations",
    ),
    path(
        "locaties/<int:location_id>/export/bereik.csv",
        coordination.coordination_coverage_csv,
        name="coordination_coverage_csv",
    ),
    path(
        "locaties/<int:location_id>/export/afspraken.csv",
        coordination.coordination_agreements_csv,
        name="coordination_agreements_csv",
    ),
    path("kinderen/<int:child_id>/logboek/", coordination.child_audit_log, name="child_audit_log"),
    path(
        "gesprekken/<int:conversation_id>/meelezen/",
        review.conversation_review,
        name="conversation_review",
    ),
    path(
        "gesprekken/<int:conversation_id>/reacties/",
        review.review_comment_add,
        name="review_comment_add",
    ),
    path(
        "gesprekken/<int:conversation_id>/meedenken/",
        review.review_request,
        name="review_request",
    ),
    path(
        "gesprekken/<int:conversation_id>/meedenken/afgerond/",
        review.review_request_close,
        name="review_request_close",
    ),
]
