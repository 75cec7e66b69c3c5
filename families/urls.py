from __future__ import annotations

from django.urls import path

from families import roster_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("zoeken/", views.child_search, name="child_search"),
    path("kinderen/<int:child_id>/", views.child_detail, name="child_detail"),
    path("gezinnen/<int:family_id>/", views.family_detail, name="family_detail"),
    path("groepen/<int:group_id>/", views.group_detail, name="group_detail"),
    path("locaties/<int:location_id>/", views.location_overview, name="location_overview"),
    path("locaties/<int:location_id>/import/", roster_views.roster_import, name="roster_import"),
]
