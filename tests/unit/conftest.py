"""Unit tests run without SSM: the programs' identity key (the HMAC key of phone and passport digests,
``security/identity-key`` in a deployment) is a fixed test key here."""

from __future__ import annotations

import pytest

IDENTITY_KEY = b"i" * 16 + b"identity-digest-key-for-unit-tests"


@pytest.fixture(autouse=True)
def identity_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    import messenger_bank.referrals.keys as keys

    monkeypatch.setattr(keys, "_identity_key", lambda: IDENTITY_KEY)
    return IDENTITY_KEY
