"""`python manage.py rotate_field_keys`: re-encrypt every safe contact with the newest field key.

Rotation: put a new key first in DASV_FIELD_KEYS (keeping the old one after it), restart, run this
command, then remove the old key (docs/operations.md).
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from cases.encryption import token_rotate
from cases.models import SafeContact

ENCRYPTED_FIELDS = ("safe_address", "safe_phone", "safe_times", "do_not_contact")


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the first key of DASV_FIELD_KEYS."

    def handle(self, *args: object, **options: object) -> None:
        table = connection.ops.quote_name(SafeContact._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field) for field in ENCRYPTED_FIELDS)
        rotated = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {columns} FROM {table} ORDER BY id")  # noqa: S608 - fixed names
            rows = cursor.fetchall()
            for row_id, *tokens in rows:
                new_tokens = [token_rotate(token) if token else token for token in tokens]
                assignments = ", ".join(f"{connection.ops.quote_name(field)} = %s" for field in ENCRYPTED_FIELDS)
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*new_tokens, row_id])  # noqa: S608
                rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} safe contacts with the newest key."))
