"""The access log in the admin: read-only, for partnership administrators investigating access."""

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "action", "user", "agency", "api_key", "object_type", "object_id", "ip")
    list_filter = ("action", "agency")
    search_fields = ("object_id", "request_id", "user__email")
    date_hierarchy = "at"
    list_select_related = ("user", "agency", "api_key")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False
