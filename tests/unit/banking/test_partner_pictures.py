"""A partner's offer pictures: fetched only from under its own API with its own key, small, of an image
type; the offer's colours and picture URL are taken when well formed and dropped (not the offer) when not."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.partners import PICTURE_MAX_BYTES, PartnersClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.partners import Offer
from messenger_bank.errors import BankAuthenticationFailed, BankProtocolError, BankSystemUnavailable, OperationRejected

POLICY = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_max=0.0)
BASE = "https://partners.test/twitch"
PICTURE = f"{BASE}/api/v1/offers/tw-001/image.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def twitch_answering(
    respond: httpx.Response | list[httpx.Response],
) -> tuple[PartnersClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    answers = respond if isinstance(respond, list) else [respond]

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    rest = RestClient(
        "partner:twitch",
        BASE,
        timeout=httpx.Timeout(1.0),
        policy=POLICY,
        api_key="twitch-key",
        client=httpx.Client(transport=httpx.MockTransport(record)),
    )
    return PartnersClient({"twitch": rest}), seen


def test_a_picture_is_fetched_from_under_the_partners_api_with_its_key() -> None:
    client, seen = twitch_answering(httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"}))

    assert client.picture("twitch", PICTURE) == PNG
    [request] = seen
    assert str(request.url) == PICTURE and request.headers["X-API-Key"] == "twitch-key"


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.test/twitch/logo.png",  # another host
        "http://partners.test/twitch/logo.png",  # another scheme
        "https://partners.test:8443/twitch/logo.png",  # another port
        "https://partners.test/gamearena/logo.png",  # another partner
        "https://partners.test/twitch/../gamearena/logo.png",  # out by ..
        "https://partners.test/twitch-evil/logo.png",  # a look-alike prefix
        "https://user:pw@partners.test/twitch/logo.png",  # credentials
        "http://169.254.169.254/latest/meta-data/",  # the instance metadata
        "not a url at all",
    ],
)
def test_a_picture_anywhere_else_is_never_fetched(url: str) -> None:
    client, seen = twitch_answering(httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"}))

    with pytest.raises(OperationRejected):
        client.picture("twitch", url)
    assert seen == []


def test_a_picture_that_is_not_an_image_type_is_refused() -> None:
    client, _ = twitch_answering(httpx.Response(200, text="<html>", headers={"Content-Type": "text/html"}))

    with pytest.raises(BankProtocolError):
        client.picture("twitch", PICTURE)


def test_a_download_is_retried_as_a_read_where_the_caller_allows_it() -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(503), httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"})]

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[len(seen) - 1]

    rest = RestClient(
        "partner:twitch",
        BASE,
        timeout=httpx.Timeout(1.0),
        policy=POLICY,
        api_key="k",
        client=httpx.Client(transport=httpx.MockTransport(record)),
    )

    assert rest.download(PICTURE, operation="picture", max_bytes=1024, content_types=frozenset({"image/png"})) == PNG
    assert len(seen) == 2


def test_a_picture_larger_than_a_logo_is_refused() -> None:
    body = PNG + b"\x00" * PICTURE_MAX_BYTES
    client, _ = twitch_answering(httpx.Response(200, content=body, headers={"Content-Type": "image/png"}))

    with pytest.raises(BankProtocolError):
        client.picture("twitch", PICTURE)


def test_a_picture_is_asked_for_once_and_refusals_are_mapped() -> None:
    flaky, seen = twitch_answering(
        [httpx.Response(503), httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"})]
    )
    with pytest.raises(BankSystemUnavailable):
        flaky.picture("twitch", PICTURE)
    assert len(seen) == 1  # a picture is a nicety: the offers list does not wait for retries

    refused, _ = twitch_answering(httpx.Response(401, json={"error": {"code": "invalid_api_key"}}))
    with pytest.raises(BankAuthenticationFailed):
        refused.picture("twitch", PICTURE)


def offer(**changes: object) -> Offer:
    answer: dict[str, object] = {
        "offer_id": "tw-001",
        "partner": "twitch",
        "partner_name": "Twitch",
        "title": "15 % cashback on subscriptions",
        "category": "streaming",
        "cashback_percent": 15,
        "valid_until": "2099-12-31",
        "brand": {"background": "#9146FF", "foreground": "#FFFFFF"},
        "image_url": PICTURE,
    }
    return Offer.model_validate(answer | changes)


def test_an_offer_carries_the_partners_colours_and_picture() -> None:
    parsed = offer()

    assert parsed.brand is not None and (parsed.brand.background, parsed.brand.foreground) == ("#9146FF", "#FFFFFF")
    assert parsed.image_url == PICTURE and parsed.valid_until == date(2099, 12, 31)


@pytest.mark.parametrize(
    "changes",
    [{"brand": {"background": "purple", "foreground": "#FFFFFF"}}, {"brand": "loud"}, {"image_url": 42}],
)
def test_malformed_colours_or_picture_are_dropped_not_the_offer(changes: dict[str, object]) -> None:
    parsed = offer(**changes)

    assert parsed.offer_id == "tw-001"
    assert (parsed.brand is None) if "brand" in changes else (parsed.image_url is None)


def test_one_malformed_offer_is_left_out_and_the_others_are_shown() -> None:
    good = {
        "offer_id": "tw-001", "partner": "twitch", "partner_name": "Twitch", "title": "Turbo -20%",
        "category": "streaming", "cashback_percent": 20, "valid_until": "2026-12-31",
    }  # fmt: skip
    bad = {**good, "offer_id": "tw-002", "cashback_percent": 90}  # outside the 2-33 % band
    untitled = {key: value for key, value in good.items() if key != "title"} | {"offer_id": "tw-003"}
    client, _ = twitch_answering(httpx.Response(200, json={"offers": [good, bad, untitled]}))

    assert [offer.offer_id for offer in client.offers("twitch")] == ["tw-001"]
