"""ImageAPI's domain errors; class names are the names a state machine's Retry / Catch match on."""

from __future__ import annotations

from messenger_bank.errors import DomainError


class MediaStorageFailed(DomainError):
    """A rendered picture or document could not be put in S3 or signed; trying again may succeed."""

    transient = True
