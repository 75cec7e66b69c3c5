from __future__ import annotations

from django.urls import path

from families import roster_views, views, views_privacy

urlpatterns = [
    path("", views.home, name="home"),
    path("zoeken/", views.child_search, name="child_search"),
    path("kinderen/<int:child_id>/", views.child_detail, name="child_detail"),
    path("gezinnen/<int:family_id>/", views.family_detail, name="family_detail"),
    path("groepen/<int:group_id>/", views.group_detail, name="group_detail"),
    path("locaties/<int:location_id>/import/", roster_views.roster_import, name="roster_import"),
    # AVG (GDPR): access requests, erasure, the parents' own view, the privacy page.
    path("gezinnen/<int:family_id>/inzage/", views_privacy.family_export, name="family_export"),
    path(
        "gezinnen/<int:family_id>/inzage/json/",
        views_privacy.family_export_json,
        name="family_export_json",
    ),
    path("gezinnen/<int:family_id>/wissen/", views_privacy.family_erase, name="family_erase"),
    path(
        "gesprekken/<int:conversation_id>/kijk-van-ouders/",
        views_privacy.parent_view_edit,
        name="parent_view_edit",
    ),
    path("privacy/", views_privacy.privacy_page, name="privacy"),
]
