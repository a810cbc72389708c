"""The REST client on the wire: the headers of each call (Accept, Idempotency-Key, API key, bearer token), when a
call is repeated, what an empty answer is, and how a file under the system's base URL is downloaded."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from messenger_bank.banking.clients.keycloak import KeycloakTokens, clear_token_cache
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    CardNotFound,
    DomainError,
    InsufficientFunds,
    OperationRejected,
)
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error, timeout

BASE = "https://core.test/bank"
CODES: dict[str, type[DomainError]] = {"insufficient_funds": InsufficientFunds, "card_not_found": CardNotFound}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def rest(wire: Wire, *, api_key: str | None = "the-key", tokens: KeycloakTokens | None = None) -> RestClient:
    return RestClient(
        "core", BASE + "/", timeout=TIMEOUT, policy=POLICY, api_key=api_key, tokens=tokens, codes=CODES,
        client=wire.client,
    )  # fmt: skip


@pytest.fixture
def keycloak() -> Iterator[Wire]:
    """A realm that hands out token-1, token-2, ... to whoever asks."""
    clear_token_cache()
    issued: list[int] = []

    def issue(_: httpx.Request) -> httpx.Response:
        issued.append(1)
        return httpx.Response(200, json={"access_token": f"token-{len(issued)}", "expires_in": 300})

    yield Wire(issue)
    clear_token_cache()


def tokens_from(keycloak: Wire) -> KeycloakTokens:
    return KeycloakTokens(
        "https://id.test/realms/bank", "mb", "secret", timeout=TIMEOUT, policy=POLICY, client=keycloak.client
    )


# --- a call ---------------------------------------------------------------------------------------------------
def test_a_call_goes_to_the_path_under_the_base_url_with_the_api_key_and_accepts_json() -> None:
    wire = Wire(httpx.Response(200, json={"balance": 5}))

    answer = rest(wire).call("POST", "/api/v1/x", operation="x", json={"a": 1}, params={"limit": 3})

    assert answer == {"balance": 5}
    request = wire.request
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/api/v1/x?limit=3")
    assert wire.body() == {"a": 1}
    assert request.headers["Accept"] == "application/json"
    assert request.headers["X-API-Key"] == "the-key"
    assert "Idempotency-Key" not in request.headers and "Authorization" not in request.headers


def test_a_call_with_a_key_carries_it_as_a_header() -> None:
    wire = Wire(httpx.Response(200, json={}))

    rest(wire).call("POST", "/api/v1/debits", operation="debit", json={}, idempotency_key="debit:1:abc")

    assert wire.request.headers["Idempotency-Key"] == "debit:1:abc"


def test_without_an_api_key_none_is_sent() -> None:
    wire = Wire(httpx.Response(200, json={}))

    rest(wire, api_key=None).call("GET", "/x", operation="x")

    assert "X-API-Key" not in wire.request.headers


def test_a_call_with_tokens_carries_the_bearer_token(keycloak: Wire) -> None:
    wire = Wire(httpx.Response(200, json={}))

    rest(wire, api_key=None, tokens=tokens_from(keycloak)).call("GET", "/x", operation="x")

    assert wire.request.headers["Authorization"] == "Bearer token-1"


def test_a_401_with_an_api_key_is_an_authentication_failure_asked_once() -> None:
    wire = Wire(error(401, "invalid_api_key"), httpx.Response(200, json={}))

    with pytest.raises(BankAuthenticationFailed):
        rest(wire).call("GET", "/x", operation="x", idempotent=True)
    assert len(wire.seen) == 1


def test_a_403_with_a_token_is_refused_without_a_new_token(keycloak: Wire) -> None:
    wire = Wire(error(403, "forbidden"), httpx.Response(200, json={}))

    with pytest.raises(BankAuthenticationFailed):
        rest(wire, api_key=None, tokens=tokens_from(keycloak)).call("GET", "/x", operation="x", idempotent=True)
    assert len(wire.seen) == 1 and len(keycloak.seen) == 1


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(204), httpx.Response(200), httpx.Response(202, content=b"")],
    ids=["204", "200-empty", "202-empty"],
)
def test_an_answer_without_a_body_is_an_empty_object(answer: httpx.Response) -> None:
    assert rest(Wire(answer)).call("PUT", "/x", operation="x") == {}


def test_an_answer_that_is_not_json_is_a_protocol_error() -> None:
    with pytest.raises(BankProtocolError):
        rest(Wire(httpx.Response(200, content=b"<html>"))).call("GET", "/x", operation="x")


@pytest.mark.parametrize(
    ("answer", "error_type"),
    [(error(422, "insufficient_funds"), InsufficientFunds), (error(422, "new_code"), OperationRejected)],
)
def test_a_refusal_is_mapped_with_the_systems_codes(answer: httpx.Response, error_type: type[DomainError]) -> None:
    with pytest.raises(DomainError) as caught:
        rest(Wire(answer)).call("POST", "/x", operation="x")
    assert type(caught.value) is error_type
    assert caught.value.details["system"] == "core"


def test_an_unmapped_refusal_is_the_callers_default_error() -> None:
    with pytest.raises(CardNotFound):
        rest(Wire(error(404, "gone"))).call("GET", "/x", operation="x", default_error=CardNotFound)


@pytest.mark.parametrize(
    ("idempotent", "key", "attempts"),
    [(False, None, 1), (True, None, 3), (False, "debit:1:abc", 3), (False, "", 1)],
    ids=["neither", "idempotent", "with-a-key", "empty-key"],
)
def test_a_call_is_repeated_only_when_idempotent_or_keyed(idempotent: bool, key: str | None, attempts: int) -> None:
    wire = Wire(timeout)

    with pytest.raises(BankSystemUnavailable):
        rest(wire).call("POST", "/x", operation="x", idempotent=idempotent, idempotency_key=key)
    assert len(wire.seen) == attempts


# --- a download -----------------------------------------------------------------------------------------------
PICTURE = f"{BASE}/files/logo.png"
TYPES = frozenset({"image/png", "image/webp"})


def download(wire: Wire, *, max_bytes: int = 1024, retry: bool = True, tokens: KeycloakTokens | None = None) -> bytes:
    client = rest(wire, api_key=None if tokens else "the-key", tokens=tokens)
    return client.download(PICTURE, operation="picture", max_bytes=max_bytes, content_types=TYPES, retry=retry)


def image(body: bytes = PNG, kind: str = "image/png") -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": kind})


def test_a_download_asks_for_the_types_it_takes_with_the_api_key() -> None:
    wire = Wire(image())

    assert download(wire) == PNG
    request = wire.request
    assert (request.method, str(request.url)) == ("GET", PICTURE)
    assert request.headers["Accept"] == "image/png, image/webp"
    assert request.headers["X-API-Key"] == "the-key" and "Authorization" not in request.headers


def test_a_download_with_tokens_carries_the_bearer_token(keycloak: Wire) -> None:
    wire = Wire(image())

    download(wire, tokens=tokens_from(keycloak))

    assert wire.request.headers["Authorization"] == "Bearer token-1"
    assert "X-API-Key" not in wire.request.headers


@pytest.mark.parametrize("kind", ["image/png", "IMAGE/PNG", "image/webp; charset=binary", " image/png ;q=1; x=y"])
def test_a_download_takes_its_types_whatever_their_case_and_parameters(kind: str) -> None:
    assert download(Wire(image(kind=kind))) == PNG


@pytest.mark.parametrize("kind", ["image/jpeg", "text/html", "", "image/png-like", "x; image/png"])
def test_a_download_of_another_type_is_a_protocol_error(kind: str) -> None:
    with pytest.raises(BankProtocolError):
        download(Wire(image(kind=kind)))


def test_a_download_without_a_content_type_is_a_protocol_error() -> None:
    with pytest.raises(BankProtocolError):
        download(Wire(httpx.Response(200, content=PNG)))


@pytest.mark.parametrize(("size", "taken"), [(1023, True), (1024, True), (1025, False)])
def test_a_download_is_taken_up_to_its_maximum_size(size: int, taken: bool) -> None:
    body = b"x" * size
    if taken:
        assert download(Wire(image(body))) == body
    else:
        with pytest.raises(BankProtocolError):
            download(Wire(image(body)))


def test_a_download_refused_is_mapped_with_the_systems_codes() -> None:
    with pytest.raises(CardNotFound) as caught:
        download(Wire(error(404, "card_not_found")))
    assert caught.value.details == {"system": "core", "code": "card_not_found", "status": 404}


def test_a_download_refused_with_an_unknown_code_is_rejected() -> None:
    with pytest.raises(OperationRejected) as caught:
        download(Wire(error(410, "gone")))
    assert type(caught.value) is OperationRejected


@pytest.mark.parametrize(
    "failure", [timeout, lambda request: (_ for _ in ()).throw(httpx.ConnectError("down", request=request))]
)
@pytest.mark.parametrize(("retry", "attempts"), [(True, 3), (False, 1)])
def test_a_download_that_times_out_or_cannot_connect_is_retried_only_when_allowed(
    failure: object, retry: bool, attempts: int
) -> None:
    wire = Wire(failure)  # type: ignore[arg-type]

    with pytest.raises(BankSystemUnavailable) as caught:
        download(wire, retry=retry)
    assert type(caught.value) is BankSystemUnavailable
    assert len(wire.seen) == attempts


def test_a_download_retried_after_a_5xx_returns_the_file() -> None:
    wire = Wire(httpx.Response(503), image())

    assert download(wire) == PNG
    assert len(wire.seen) == 2


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/files/logo.png",
        f"{BASE}/logo.png",
        f"{BASE}/a/b/c/logo.png?size=2",
    ],
)
def test_a_url_below_the_base_is_under_it(url: str) -> None:
    assert rest(Wire()).under_base(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://core.test/bank",  # the base itself, not below it
        "https://core.test/banking/logo.png",  # a look-alike prefix
        "https://core.test/other/logo.png",
        "https://core.test/bank/files/../../x.png",
        "https://core.test/bank/..",
        "https://me@core.test/bank/logo.png",
        "https://core.test:444/bank/logo.png",
        "http://core.test/bank/logo.png",
        "https://core.test.evil/bank/logo.png",
        "https://[::1/bank",  # not a URL
    ],
)
def test_a_url_anywhere_else_is_not_under_the_base(url: str) -> None:
    assert not rest(Wire()).under_base(url)


def test_a_call_sent_again_with_a_new_token_carries_the_same_body_and_query(keycloak: Wire) -> None:
    wire = Wire(error(401, "token_expired"), httpx.Response(200, json={"ok": True}))

    answer = rest(wire, api_key=None, tokens=tokens_from(keycloak)).call(
        "POST", "/x", operation="x", json={"a": 1}, params={"limit": 3}
    )

    assert answer == {"ok": True}
    assert [r.headers["Authorization"] for r in wire.seen] == ["Bearer token-1", "Bearer token-2"]
    assert [(r.content, r.url.params.get("limit")) for r in wire.seen] == [(b'{"a":1}', "3")] * 2


def test_a_base_url_ending_in_x_keeps_it() -> None:
    wire = Wire(httpx.Response(200, json={}))
    client = RestClient("box", "https://box.test/BOX/", timeout=TIMEOUT, policy=POLICY, client=wire.client)

    client.call("GET", "/x", operation="x")

    assert wire.request.url.path == "/BOX/x"


def test_a_path_out_of_the_base_by_encoded_dots_is_not_under_it() -> None:
    assert not rest(Wire()).under_base(f"{BASE}/%2e%2e/secret.png")
    assert not rest(Wire()).under_base(f"{BASE}/files/%2E%2E/%2E%2E/secret.png")


def test_a_download_in_several_chunks_is_put_together() -> None:
    wire = Wire(
        lambda _: httpx.Response(200, content=iter([b"ab", b"cd", b"ef"]), headers={"Content-Type": "image/png"})
    )

    assert download(wire) == b"abcdef"


@pytest.mark.parametrize("fetch", ["call", "download"])
def test_without_a_client_of_its_own_the_pooled_client_of_its_timeout_is_used(
    monkeypatch: pytest.MonkeyPatch, fetch: str
) -> None:
    from messenger_bank.banking.clients import rest as module

    wire, asked = Wire(httpx.Response(200, json={}) if fetch == "call" else image()), []
    monkeypatch.setattr(module, "shared_client", lambda timeout: asked.append(timeout) or wire.client)
    client = RestClient("core", BASE, timeout=httpx.Timeout(3.0), policy=POLICY)

    if fetch == "call":
        client.call("GET", "/x", operation="x")
    else:
        client.download(PICTURE, operation="p", max_bytes=1024, content_types=TYPES)
    assert asked == [httpx.Timeout(3.0)]
