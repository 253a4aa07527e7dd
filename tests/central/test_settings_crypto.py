"""Settings refuse placeholder secrets outside development; ID-number crypto."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from central.dossier import crypto
from central.settings import Settings


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_production_refuses_the_placeholder_secrets() -> None:
    with pytest.raises(ValidationError, match="ZHIFANG_SECRET_KEY, ZHIFANG_ID_HASH_KEY"):
        Settings()


def test_development_accepts_them_and_production_accepts_real_ones() -> None:
    assert Settings(environment="development").db_url.endswith("var/central/central.db")
    s = Settings(secret_key="x" * 40, id_hash_key=key(), id_enc_key=key())
    assert len(s.id_hash_key_bytes) == 32


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_keys_must_be_32_bytes_of_base64(bad: str) -> None:
    with pytest.raises(ValidationError, match="ZHIFANG_ID_ENC_KEY"):
        Settings(environment="development", id_enc_key=bad)


def test_settings_come_from_the_environment_and_unknown_fields_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_MQTT_PORT", "18830")
    assert Settings().mqtt_port == 18830
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)  # type: ignore[call-arg]


def test_id_numbers_hash_the_same_whatever_the_case_and_decrypt_only_with_the_key() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    assert crypto.id_number_hash(k1, "35012119800101123x") == crypto.id_number_hash(
        k1, " 35012119800101123X"
    )
    assert crypto.id_number_hash(k1, "35012119800101123X") != crypto.id_number_hash(
        k2, "35012119800101123X"
    )
    blob = crypto.encrypt_id_number(k1, "35012119800101123x")
    assert blob != crypto.encrypt_id_number(k1, "35012119800101123x")  # fresh nonce
    assert crypto.decrypt_id_number(k1, blob) == "35012119800101123X"
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt_id_number(k2, blob)
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt_id_number(k1, flipped)
    assert crypto.mask_id_number("35012119800101123X") == "350121********123X"
