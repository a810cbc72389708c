"""Partners: GameArena, Twitch, Burger King, Grushovka. REST/JSON under /{partner}/api/v1, one API key
per partner (X-API-Key): offers, activation, cashback rules (2-33 %).

Each offer comes with the partner's brand colours and the URL of its picture, which the partner serves
under its own API (``GET /{partner}/api/v1/offers/{offer_id}/image.png``, same key): a 256 x 256 PNG of
the partner's emblem, drawn here once per offer."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from typing import Any

from flask import Flask, Response, jsonify, request
from PIL import Image, ImageDraw

from local.sandbox.common import ApiError, body_json, make_app, require_api_key
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector

OFFERS: dict[str, list[dict[str, Any]]] = {
    "gamearena": [
        {
            "offer_id": "ga-001",
            "title": "10 % cashback on game passes",
            "category": "gaming",
            "cashback_percent": 10,
        },
        {
            "offer_id": "ga-002",
            "title": "33 % cashback on your first tournament fee",
            "category": "gaming",
            "cashback_percent": 33,
        },
    ],
    "twitch": [
        {
            "offer_id": "tw-001",
            "title": "15 % cashback on subscriptions",
            "category": "streaming",
            "cashback_percent": 15,
        },
        {
            "offer_id": "tw-002",
            "title": "5 % cashback on Bits",
            "category": "streaming",
            "cashback_percent": 5,
        },
    ],
    "burgerking": [
        {
            "offer_id": "bk-001",
            "title": "7 % cashback on every order",
            "category": "fast_food",
            "cashback_percent": 7,
        },
        {
            "offer_id": "bk-002",
            "title": "20 % cashback on Whopper combos on weekdays",
            "category": "fast_food",
            "cashback_percent": 20,
        },
    ],
    "grushovka": [
        {
            "offer_id": "gr-001",
            "title": "3 % cashback on groceries",
            "category": "groceries",
            "cashback_percent": 3,
        },
        {
            "offer_id": "gr-002",
            "title": "12 % cashback on fruit and vegetables",
            "category": "groceries",
            "cashback_percent": 12,
        },
    ],
}
RULES: dict[str, list[dict[str, Any]]] = {
    "gamearena": [{"category": "gaming", "percent": 10, "max_per_month": 5000}],
    "twitch": [{"category": "streaming", "percent": 15, "max_per_month": 3000}],
    "burgerking": [{"category": "fast_food", "percent": 7, "max_per_month": 2000}],
    "grushovka": [{"category": "groceries", "percent": 2, "max_per_month": 10000}],
}
NAMES = {"gamearena": "GameArena", "twitch": "Twitch", "burgerking": "Burger King", "grushovka": "Grushovka"}
# The partners' brand colours as their APIs give them (the tile behind the offer, the text on it).
BRANDS: dict[str, dict[str, str]] = {
    "gamearena": {"background": "#14213D", "foreground": "#FCA311"},
    "twitch": {"background": "#9146FF", "foreground": "#FFFFFF"},
    "burgerking": {"background": "#D62300", "foreground": "#F5EBDC"},
    "grushovka": {"background": "#2E7D32", "foreground": "#FFFFFF"},
}
# The emblem's ink on the picture's white ground, one per partner and unlike its brand colours (so that the
# tests can tell the partner's picture from the tile it is drawn on).
EMBLEM_INK: dict[str, str] = {
    "gamearena": "#E63946",
    "twitch": "#00B5AD",
    "burgerking": "#FF8732",
    "grushovka": "#8BC34A",
}
IMAGE_SIZE = 256


@lru_cache(maxsize=16)
def offer_image(partner: str, offer_id: str) -> bytes:
    """The offer's picture: the partner's emblem (a disc in its ink, a white bar across for the second
    offer and on), on white; the same bytes every time."""
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), "#FFFFFF")
    pen = ImageDraw.Draw(image)
    pen.ellipse((28, 28, IMAGE_SIZE - 28, IMAGE_SIZE - 28), fill=EMBLEM_INK[partner])
    if not offer_id.endswith("1"):
        pen.rectangle((28, 116, IMAGE_SIZE - 28, 140), fill="#FFFFFF")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def create_app(config: SandboxConfig, faults: FaultInjector) -> Flask:
    app = make_app("partners", faults)

    def authorize(partner: str) -> None:
        if partner not in OFFERS:
            raise ApiError(404, "partner_not_found", "no such partner")
        require_api_key(config.partner_api_keys[partner])

    @app.get("/<partner>/api/v1/offers")
    def offers(partner: str) -> Response:
        authorize(partner)
        base = f"{request.host_url.rstrip('/')}/{partner}/api/v1"
        items = [
            {
                **o,
                "partner": partner,
                "partner_name": NAMES[partner],
                "valid_until": "2099-12-31",
                "brand": BRANDS[partner],
                "image_url": f"{base}/offers/{o['offer_id']}/image.png",
            }
            for o in OFFERS[partner]
        ]
        return jsonify({"offers": items})

    @app.get("/<partner>/api/v1/offers/<offer_id>/image.png")
    def image(partner: str, offer_id: str) -> Response:
        authorize(partner)
        if offer_id not in {o["offer_id"] for o in OFFERS[partner]}:
            raise ApiError(404, "offer_not_found", "no such offer")
        return Response(offer_image(partner, offer_id), mimetype="image/png")

    @app.post("/<partner>/api/v1/activations")
    def activate(partner: str) -> Response:
        authorize(partner)
        body = body_json()
        offer_id, customer_ref = str(body.get("offer_id", "")), str(body.get("customer_ref", ""))
        if offer_id not in {o["offer_id"] for o in OFFERS[partner]}:
            raise ApiError(404, "offer_not_found", "no such offer")
        if not customer_ref:
            raise ApiError(400, "invalid_request", "customer_ref is required")
        # Activation is idempotent by nature: one (offer, customer) pair, one activation and promo code.
        digest = hashlib.sha256(f"{partner}:{offer_id}:{customer_ref}".encode()).hexdigest()
        return jsonify(
            {
                "activation_id": f"act_{digest[:16]}",
                "offer_id": offer_id,
                "status": "active",
                "promo_code": f"{partner[:2].upper()}-{digest[16:24].upper()}",
            }
        )

    @app.get("/<partner>/api/v1/cashback-rules")
    def cashback_rules(partner: str) -> Response:
        authorize(partner)
        return jsonify({"rules": RULES[partner]})

    return app
