"""Administration of areas, agencies, users and API keys (partnership administrators, 2FA required)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from agencies.models import ROLE_NAMES, Agency, ApiKey, Area, User
from agencies.services import agency_save, api_key_create, api_key_revoke, user_staff_sync


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "kind", "is_marac_member", "active")
    list_filter = ("kind", "is_marac_member", "active", "areas")
    search_fields = ("name", "slug")
    filter_horizontal = ("areas",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        agency_save(agency=obj, by=request.user)


class RoleGroupsMixin:
    """Only role groups can be given to users: agency groups hold object permissions, not people."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        if "groups" in self.fields:  # type: ignore[attr-defined]
            field = self.fields["groups"]  # type: ignore[attr-defined]
            field.queryset = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
            field.label = "Roles"
            field.help_text = "What this person does in the partnership."


class UserCreationAdminForm(RoleGroupsMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "given_name", "family_name", "agency", "specialist_post", "groups")


class UserChangeAdminForm(RoleGroupsMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("family_name", "given_name")
    list_display = ("email", "given_name", "family_name", "agency", "is_active", "is_staff")
    list_filter = ("agency", "groups", "is_active", "is_staff")
    list_select_related = ("agency",)
    search_fields = ("email", "given_name", "family_name")
    filter_horizontal = ("groups",)
    readonly_fields = ("last_login", "date_joined", "is_staff")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("given_name", "family_name", "agency", "specialist_post")}),
        ("Access", {"fields": ("is_active", "groups", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "given_name",
                    "family_name",
                    "agency",
                    "specialist_post",
                    "groups",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user_staff_sync(user=form.instance)


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    """Creating a key here shows it once, in a message; only its hash is stored."""

    list_display = (*APIKeyModelAdmin.list_display, "agency", "scope", "last_used_at")
    list_filter = (*APIKeyModelAdmin.list_filter, "agency", "scope")
    list_select_related = ("agency",)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple:
        fields = (*super().get_readonly_fields(request, obj), "last_used_at", "created_by")
        return (*fields, "agency") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            was_revoked = ApiKey.objects.filter(pk=obj.pk, revoked=True).exists()
            obj.save()
            if obj.revoked and not was_revoked:
                api_key_revoke(api_key=obj, by=request.user)
            return
        api_key, key = api_key_create(
            agency=obj.agency, name=obj.name, scope=obj.scope, expires_at=obj.expiry_date, by=request.user
        )
        obj.pk = api_key.pk
        messages.add_message(
            request,
            messages.WARNING,
            f"The API key for {api_key.name} is: {key} - copy it now: it is stored only as a hash and "
            "will not be shown again.",
        )
