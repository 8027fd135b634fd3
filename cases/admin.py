"""Risk instruments in the admin, read-only. Case records are not in the admin at all: every case read
goes through the selectors, the per-agency permissions and the access log (and safe contacts never
appear outside the case page of an agency allowed to see them)."""

from django.contrib import admin
from django.http import HttpRequest

from cases.models import RiskInstrument


@admin.register(RiskInstrument)
class RiskInstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "version", "active")
    readonly_fields = ("code", "name", "kind", "version", "questions")
    fields = ("code", "name", "kind", "version", "questions", "active")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RiskInstrument | None = None) -> bool:
        return False
