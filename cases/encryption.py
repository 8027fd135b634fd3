"""Field-level encryption for safe contact details: Fernet keys from the environment, with rotation.

`settings.DASV_FIELD_KEYS` is a list of Fernet keys, newest first. New values are encrypted with the
first key; any key in the list decrypts (MultiFernet), so a new key can be put in front, the
`rotate_field_keys` command run, and the old key then removed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("Set DASV_FIELD_KEYS: at least one Fernet key encrypts safe contacts.")
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def field_cipher() -> MultiFernet:
    """The cipher for the keys configured now (cached per key list)."""
    return _multi_fernet(tuple(settings.DASV_FIELD_KEYS))


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the database never sees the plaintext.

    Encrypted values cannot be searched or ordered in SQL: these fields are for details that are
    only ever shown, such as a safe address.
    """

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return field_cipher().encrypt(str(value).encode("utf-8")).decode("ascii")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        try:
            return field_cipher().decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # Never show ciphertext as if it were the value, and never fail a whole page for it.
            raise ImproperlyConfigured(
                "A safe contact could not be decrypted: its key is not in DASV_FIELD_KEYS."
            ) from None


def token_rotate(token: str) -> str:
    """Re-encrypt one stored token with the newest key."""
    return field_cipher().rotate(token.encode("ascii")).decode("ascii")
