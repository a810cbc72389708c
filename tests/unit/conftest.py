"""Unit tests run without SSM: the programs' identity key (the HMAC key of phone and passport digests,
``security/identity-key`` in a deployment) is a fixed test key here."""

from __future__ import annotations

import pytest

IDENTITY_KEY = b"i" * 16 + b"identity-digest-key-for-unit-tests"


@pytest.fixture(autouse=True)
def identity_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    import messenger_bank.programs.keys as keys

    monkeypatch.setattr(keys, "_identity_key", lambda: IDENTITY_KEY)
    return IDENTITY_KEY


@pytest.fixture(autouse=True)
def settings_read_afresh() -> None:
    """Each case reads the environment it sets (a Lambda reads it once per cold start)."""
    from messenger_bank.configuration import forget_settings

    forget_settings()
