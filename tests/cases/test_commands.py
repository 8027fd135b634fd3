"""Key rotation for safe contacts, and loading an instrument's official wording."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.instruments import DASH_CODE
from cases.models import RiskInstrument, SafeContact
from cases.services import safe_contact_save
from tests.factories.cases import case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db


def _raw_address(contact: SafeContact) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT safe_address FROM cases_safecontact WHERE id = %s", [contact.pk])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_with_the_new_key(settings):
    """After rotation every safe contact decrypts with the new key alone."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DASV_FIELD_KEYS = [old_key]
    idva_service()
    worker = case_worker()
    case = make_case(worker)
    contact = safe_contact_save(
        actor=worker, case=case, data={"safe_address": "12 Quiet Lane", "safe_phone": "07700 900123"}
    )
    before = _raw_address(contact)
    assert "Quiet Lane" not in before

    settings.DASV_FIELD_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "Re-encrypted 1 safe contacts" in out.getvalue()
    after = _raw_address(contact)
    assert after != before
    assert Fernet(new_key.encode()).decrypt(after.encode()) == b"12 Quiet Lane"

    settings.DASV_FIELD_KEYS = [new_key]
    assert SafeContact.objects.get(pk=contact.pk).safe_phone == "07700 900123"


def test_a_value_under_an_unknown_key_is_an_error_not_ciphertext(settings):
    """A token no configured key opens raises, rather than showing the token as the value."""
    from django.core.exceptions import ImproperlyConfigured

    settings.DASV_FIELD_KEYS = [Fernet.generate_key().decode()]
    idva_service()
    worker = case_worker()
    contact = safe_contact_save(actor=worker, case=make_case(worker), data={"safe_address": "1 Hidden Row"})
    settings.DASV_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        SafeContact.objects.get(pk=contact.pk)


def _instrument_file(tmp_path, questions):
    path = tmp_path / "dash.json"
    path.write_text(json.dumps({"code": DASH_CODE, "questions": questions}), encoding="utf-8")
    return path


def test_official_wording_replaces_the_prompts(tmp_path):
    """A file with the same 24 keys replaces the prompts and nothing else."""
    questions = [{"key": f"q{n}", "prompt": f"Official wording {n}"} for n in range(1, 25)]
    call_command("load_risk_instrument", str(_instrument_file(tmp_path, questions)), stdout=StringIO())
    instrument = RiskInstrument.objects.get(code=DASH_CODE)
    assert instrument.questions[0] == {"key": "q1", "prompt": "Official wording 1"}
    assert instrument.question_keys == [f"q{n}" for n in range(1, 25)]


def test_wording_with_other_keys_is_refused(tmp_path):
    """A file whose keys differ from the instrument's is refused and changes nothing."""
    before = RiskInstrument.objects.get(code=DASH_CODE).questions
    questions = [{"key": f"q{n}", "prompt": "x"} for n in range(1, 24)]
    with pytest.raises(CommandError, match="question keys"):
        call_command("load_risk_instrument", str(_instrument_file(tmp_path, questions)))
    assert RiskInstrument.objects.get(code=DASH_CODE).questions == before
