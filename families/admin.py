from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from families.models import (
    AuditEntry,
    Child,
    Enrolment,
    Family,
    Group,
    Guardian,
    Location,
    StaffMembership,
)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "has_school",
        "has_daycare",
        "has_after_school_care",
        "has_early_education",
    ]
    search_fields = ["name"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "school_year", "setting", "min_age", "max_age"]
    list_filter = ["location", "school_year", "setting"]
    search_fields = ["name"]


class StaffMembershipForm(forms.ModelForm):
    class Meta:
        model = StaffMembership
        fields = ["user", "location", "role", "title", "groups"]

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        groups = cleaned.get("groups") or []
        elsewhere = [group for group in groups if location and group.location_id != location.pk]
        if elsewhere:
            raise forms.ValidationError(
                _("These groups belong to another location: %(groups)s"),
                params={"groups": ", ".join(str(group) for group in elsewhere)},
            )
        return cleaned


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    form = StaffMembershipForm
    list_display = ["user", "location", "role", "title"]
    list_filter = ["location", "role"]
    filter_horizontal = ["groups"]
    search_fields = ["user__username", "user__email"]


class GuardianInline(admin.StackedInline):
    model = Guardian
    extra = 0


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "home_language", "interpreter_wanted"]
    list_filter = ["location", "home_language", "interpreter_wanted"]
    search_fields = ["name", "guardians__last_name", "guardians__email"]
    inlines = [GuardianInline]


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["group"]


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ["first_name", "last_name", "date_of_birth", "family"]
    list_filter = ["family__location"]
    search_fields = ["first_name", "last_name", "family__name"]
    autocomplete_fields = ["family"]
    inlines = [EnrolmentInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, to read only: nobody adds, changes or deletes an entry."""

    list_display = ["at", "user", "action", "record", "object_id", "url_name", "referrer"]
    list_filter = ["action", "record"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
