"""How the secure page reads a request (``PageRequest.from_http``): the form's content type as browsers send it, the
form's size and field limits on both sides, fields it does not know, the query's parameters and the reader's
language. Each case changes one thing from a valid POST of a PIN form."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from messenger_bank.http import HttpRequest
from messenger_bank.securepage.models import MalformedRequest, PageRequest

FORM = "application/x-www-form-urlencoded"
PIN_FORM = "pin=4829&pin_confirm=4829"


def post(
    body: str = PIN_FORM, *, headers: dict[str, str] | None = None, query: str = "t=tok", method: str = "POST"
) -> HttpRequest:
    return HttpRequest(
        method=method,
        path_parameters={"purpose": "pin"},
        raw_query=query,
        headers={"content-type": FORM} if headers is None else headers,
        body=body.encode("utf-8"),
    )


def refusal(request: HttpRequest) -> int:
    with pytest.raises(MalformedRequest) as refused:
        PageRequest.from_http(request)
    return refused.value.status


def test_a_valid_post_is_read_whole() -> None:
    page = PageRequest.from_http(post(query="t=tok&card=card_1"))

    assert page == PageRequest(
        method="POST",
        purpose="pin",
        token="tok",
        card_id="card_1",
        language="ru",
        form={"pin": "4829", "pin_confirm": "4829"},
    )


# --- the content type ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        f"{FORM}; charset=utf-8",  # what browsers send
        f"{FORM};charset=UTF-8;boundary=x",  # more than one parameter
        "Application/X-WWW-Form-Urlencoded",  # a media type's name is case-insensitive
        f"  {FORM} ; charset=utf-8",  # spaces around the type
    ],
)
def test_a_form_content_type_as_browsers_spell_it_is_read(content_type: str) -> None:
    page = PageRequest.from_http(post(headers={"content-type": content_type}))

    assert page.form == {"pin": "4829", "pin_confirm": "4829"}


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no content type at all
        {"content-type": ""},
        {"content-type": "application/json"},
        {"content-type": f"text/plain; x={FORM}"},  # the form's type as a parameter is not the type
        {"content-type": "multipart/form-data; boundary=x"},
    ],
)
def test_a_post_that_is_no_urlencoded_form_is_415(headers: dict[str, str]) -> None:
    assert refusal(post(headers=headers)) == 415


def test_a_get_needs_no_content_type_and_has_no_form() -> None:
    page = PageRequest.from_http(post(method="GET", headers={}, body=PIN_FORM))

    assert page.method == "GET" and page.form == {}


# --- the form's size and fields --------------------------------------------------------------------------------------
def form_of_bytes(size: int) -> str:
    """A PIN form padded with init_data to exactly ``size`` bytes."""
    head = PIN_FORM + "&init_data="
    return head + "a" * (size - len(head))


def test_a_form_of_exactly_8_kb_is_read() -> None:
    body = form_of_bytes(8192)
    assert len(body.encode()) == 8192

    assert PageRequest.from_http(post(body)).form["init_data"] == "a" * (8192 - len(PIN_FORM + "&init_data="))


def test_a_form_one_byte_over_8_kb_is_413() -> None:
    assert refusal(post(form_of_bytes(8193))) == 413


def test_a_form_with_every_field_it_knows_is_read() -> None:
    fields = ["pin", "pin_confirm", "password", "password_confirm", "confirm", "card_number", "card_expiry"]
    body = urlencode({name: "x" for name in [*fields, "init_data"]})

    assert PageRequest.from_http(post(body)).form == {name: "x" for name in [*fields, "init_data"]}


def test_a_form_with_one_field_more_than_the_page_has_is_400() -> None:
    fields = [
        "pin",
        "pin_confirm",
        "password",
        "password_confirm",
        "confirm",
        "card_number",
        "card_expiry",
        "init_data",
    ]
    body = urlencode({name: "x" for name in fields}) + "&utm=1"

    assert refusal(post(body)) == 400


def test_a_field_the_page_does_not_know_is_skipped_and_the_rest_read() -> None:
    page = PageRequest.from_http(post("utm_source=chat&" + PIN_FORM))

    assert page.form == {"pin": "4829", "pin_confirm": "4829"}


def test_a_field_without_its_equals_sign_is_400() -> None:
    assert refusal(post("pin&pin_confirm=4829")) == 400


def test_an_empty_form_is_read_as_no_fields() -> None:
    assert PageRequest.from_http(post("")).form == {}


def test_an_empty_value_is_kept_as_an_empty_field() -> None:
    assert PageRequest.from_http(post("pin=&pin_confirm=4829")).form == {"pin": "", "pin_confirm": "4829"}


def test_a_field_sent_twice_is_400() -> None:
    assert refusal(post("pin=4829&pin=1111")) == 400


def test_a_field_not_in_utf_8_is_400() -> None:
    assert refusal(post("pin=%ff%fe&pin_confirm=4829")) == 400


# --- the query and the language ------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["t=a&t=b", "t=a&card=c1&card=c2", "t=&t=b", "t=a&card=&card=c1"])
def test_a_link_or_card_given_twice_is_400(query: str) -> None:
    assert refusal(post(query=query)) == 400


def test_a_query_of_twenty_parameters_is_read() -> None:
    query = "t=tok&" + "&".join(f"p{n}=1" for n in range(19))

    assert PageRequest.from_http(post(query=query)).token == "tok"


def test_a_query_of_twenty_one_parameters_is_400() -> None:
    assert refusal(post(query="t=tok&" + "&".join(f"p{n}=1" for n in range(20)))) == 400


def test_another_parameter_given_twice_is_read_once() -> None:
    page = PageRequest.from_http(post(query="t=tok&utm=1&utm=2"))

    assert page.token == "tok"


def test_an_empty_link_parameter_is_no_link() -> None:
    assert PageRequest.from_http(post(query="t=")).token is None


def test_a_card_parameter_is_cut_to_64_characters() -> None:
    assert PageRequest.from_http(post(query="t=tok&card=" + "c" * 65)).card_id == "c" * 64


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("EN-us", "en"),
        (" en ,ru", "en"),
        ("ru-RU,en;q=0.9", "ru"),  # only the first choice counts
        ("de-DE", "ru"),
        ("", "ru"),
    ],
)
def test_the_page_speaks_the_readers_first_language_if_it_has_it(accept_language: str, language: str) -> None:
    headers = {"content-type": FORM, "accept-language": accept_language}

    assert PageRequest.from_http(post(headers=headers)).language == language


def test_a_method_other_than_get_or_post_is_405() -> None:
    assert refusal(post(method="PUT")) == 405


def test_a_request_without_a_page_name_is_read_as_no_page() -> None:
    # The route always names the page; a request that does not is read (the page answers it 404), never a crash.
    nameless = post().model_copy(update={"path_parameters": {}})

    assert PageRequest.from_http(nameless).purpose == ""
