"""The access log: one append-only, hash-chained row for every view, list, export, search and sign-in."""

from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AccessLog(models.Model):
    """Who saw or did what, when. Rows are never changed: PostgreSQL refuses UPDATE and DELETE.

    Each row stores the hash of the row before it (`prev_hash`) and its own hash over its content and
    `prev_hash`, so a changed, removed or inserted row breaks the chain (`verify_audit_log`).
    """

    class Action(models.TextChoices):
        VIEW = "view", "View"
        LIST = "list", "List"
        EXPORT = "export", "Export"
        SEARCH = "search", "Search"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOCKOUT = "lockout", "Locked out"
        LOGOUT = "logout", "Signed out"
        SESSION_EXPIRED = "session_expired", "Session expired"
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor authentication set up"
        PERMISSION_GRANT = "permission_grant", "Permission granted"
        PERMISSION_REVOKE = "permission_revoke", "Permission revoked"
        API_KEY_CREATED = "api_key_created", "API key created"
        API_KEY_REVOKED = "api_key_revoked", "API key revoked"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey("agencies.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["user", "at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type} {self.object_id}"
