"""ImageAPI: card, receipt, share and partner offers pictures and the requisites PDF, rendered with Pillow,
stored in S3."""

from messenger_bank.images.card import card_picture
from messenger_bank.images.errors import MediaStorageFailed
from messenger_bank.images.models import (
    CardPictureRequest,
    OffersPictureRequest,
    OfferTile,
    ReceiptRequest,
    RequisitesRequest,
    SharePictureRequest,
)
from messenger_bank.images.offers import offers_picture
from messenger_bank.images.receipt import receipt_picture
from messenger_bank.images.requisites import requisites_pdf
from messenger_bank.images.share import share_picture
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
    "card_picture",
    "offers_picture",
    "receipt_picture",
    "requisites_pdf",
    "share_picture",
    "store",
]
