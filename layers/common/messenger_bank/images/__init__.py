"""ImageAPI: card, receipt, share and partner offers pictures and the requisites PDF, rendered with Pillow,
stored in S3.

The package itself is Pillow-free (requests, storage, errors): a renderer is imported from its module
(`images.card`, `images.receipt`, `images.share`, `images.offers`, `images.requisites`) where it draws, so
that Pillow and qrcode load only in the functions that draw.
"""

from messenger_bank.images.errors import MediaStorageFailed
from messenger_bank.images.models import (
    CardPictureRequest,
    OffersPictureRequest,
    OfferTile,
    ReceiptRequest,
    RequisitesRequest,
    SharePictureRequest,
)
from messenger_bank.images.storage import StoredMedia, store

__all__ = [
    "CardPictureRequest",
    "MediaStorageFailed",
    "OfferTile",
    "OffersPictureRequest",
    "ReceiptRequest",
    "RequisitesRequest",
    "SharePictureRequest",
    "StoredMedia",
    "store",
]
