"""The secure page's markup beyond the PIN and password fields (test_page_contract): the card form (what the phone's
keyboard and card autofill are told), the form and document every page shares, and the page that only says an
outcome. Each expected attribute is written out here, not read from html.py."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.securepage.html import CONTENT_SECURITY_POLICY, SCRIPT, STYLE, Purpose, form_page, message_page

Attributes = dict[str, str | None]


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, Attributes]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


class Shown(HTMLParser):
    """The text a reader sees: every text node outside the script and the style."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style", "title")

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def shown_text(page: str) -> list[str]:
    parser = Shown()
    parser.feed(page)
    return parser.texts


def tags_of(page: str) -> list[tuple[str, Attributes]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def inputs_of(page: str) -> dict[str, Attributes]:
    return {str(attrs.get("id")): attrs for tag, attrs in tags_of(page) if tag == "input"}


def words(key: str, language: str = "en", **values: object) -> str:
    return escape(text(f"secure_page.{key}", language, **values))  # type: ignore[arg-type]


# --- the card form ------------------------------------------------------------------------------------------------
CARD_NUMBER = {
    "id": "card_number",
    "name": "card_number",
    "type": "text",
    "inputmode": "numeric",
    "autocomplete": "cc-number",
    "pattern": "[0-9 -]{13,23}",
    "minlength": "13",
    "maxlength": "23",
    "required": None,
}
CARD_EXPIRY = {
    "id": "card_expiry",
    "name": "card_expiry",
    "type": "text",
    "inputmode": "numeric",
    "autocomplete": "cc-exp",
    "pattern": "(0[1-9]|1[0-2])/[0-9]{2}",
    "placeholder": "MM/YY",
    "minlength": "5",
    "maxlength": "5",
    "required": None,
}
INIT_DATA = {"type": "hidden", "id": "init_data", "name": "init_data", "value": ""}
FORM = {"id": "secure-form", "method": "post", "action": "", "autocomplete": "off"}


@pytest.mark.parametrize("purpose", ["signin", "card"])
def test_a_card_page_asks_the_number_and_expiry_as_card_autofill_knows_them(purpose: Purpose) -> None:
    page = form_page(purpose, "en")

    assert inputs_of(page) == {"card_number": CARD_NUMBER, "card_expiry": CARD_EXPIRY, "init_data": INIT_DATA}
    assert [attrs for tag, attrs in tags_of(page) if tag == "form"] == [FORM]


@pytest.mark.parametrize("purpose", ["signin", "card"])
def test_a_card_page_shows_its_words_and_nothing_else(purpose: Purpose) -> None:
    expected = [purpose + "_title", purpose + "_intro", "card_number", "card_expiry", "confirm_submit"]

    assert shown_text(form_page(purpose, "ru")) == [text(f"secure_page.{key}", "ru") for key in expected]


# Russian, not English: English is the catalogue's fallback, so a page that lost its language would still say it.
@pytest.mark.parametrize("purpose", ["signin", "card"])
def test_a_card_page_says_its_own_words_in_its_language(purpose: Purpose) -> None:
    page = form_page(purpose, "ru")

    assert f"<h1>{words(purpose + '_title', 'ru')}</h1><p>{words(purpose + '_intro', 'ru')}</p><form " in page
    assert f'<label for="card_number">{words("card_number", "ru")}</label>' in page
    assert f'<label for="card_expiry">{words("card_expiry", "ru")}</label>' in page
    assert f'<button type="submit" id="submit">{words("confirm_submit", "ru")}</button>' in page


def test_a_wrong_card_says_so_with_the_attempts_left_in_its_language() -> None:
    page = form_page("signin", "ru", error="wrong_card", remaining=1)

    notice = f'<p class="error" role="alert">{words("wrong_card", "ru")} {words("remaining", "ru", n=1)}</p><form '
    assert notice in page


@pytest.mark.parametrize("purpose", ["pin", "password", "confirm"])
def test_a_pin_or_password_form_says_its_words_in_its_language(purpose: Purpose) -> None:
    page = form_page(purpose, "ru")

    assert f"<h1>{words(purpose + '_title', 'ru')}</h1><p>{words(purpose + '_intro', 'ru')}</p><form " in page
    assert f'<label for="first">{words(purpose, "ru")}</label>' in page
    if purpose != "confirm":
        assert f'<label for="second">{words(purpose + "_confirm", "ru")}</label>' in page
    assert f'<p class="error" id="mismatch" role="alert" hidden>{words("mismatch", "ru")}</p>' in page
    submit = "confirm_submit" if purpose == "confirm" else "submit"
    assert f'<button type="submit" id="submit">{words(submit, "ru")}</button>' in page


@pytest.mark.parametrize("purpose", ["signin", "card", "pin", "password", "confirm"])
def test_every_form_posts_to_itself_and_runs_only_the_hashed_script(purpose: Purpose) -> None:
    page = form_page(purpose, "en")

    assert [attrs for tag, attrs in tags_of(page) if tag == "form"] == [FORM]
    assert page.endswith(f"</form><script>{SCRIPT}</script></main></body></html>")


# --- the document every page is ------------------------------------------------------------------------------
PAGES = {
    "outcome": lambda language: message_page("used", language),
    "card": lambda language: form_page("signin", language),
    "pin": lambda language: form_page("pin", language),
}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("kind", PAGES)
def test_every_page_is_a_document_in_its_language_that_sends_no_referrer(kind: str, language: str) -> None:
    page = PAGES[kind](language)
    tags = tags_of(page)

    assert page.startswith("<!doctype html>")
    assert tags[:3] == [("html", {"lang": language}), ("head", {}), ("meta", {"charset": "utf-8"})]
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in tags
    assert ("meta", {"name": "referrer", "content": "no-referrer"}) in tags
    assert f"<title>{words('title', language)}</title><style>{STYLE}</style></head><body><main>" in page


def test_the_policy_allows_the_telegram_web_client_to_frame_the_page_and_nobody_else() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["frame-ancestors"] == "'self' https://web.telegram.org"
    assert (directives["form-action"], directives["base-uri"], directives["object-src"]) == (
        "'self'",
        "'none'",
        "'none'",
    )
    assert (directives["default-src"], directives["img-src"]) == ("'self'", "'self'")


# --- the page that only says an outcome -----------------------------------------------------------------------------
@pytest.mark.parametrize(("ok", "css"), [(True, "ok"), (False, "error")])
def test_an_outcome_page_names_its_outcome_and_says_it_in_its_language(ok: bool, css: str) -> None:
    page = message_page("signin_done", "ru", ok=ok)

    assert f'<h1 id="outcome" data-outcome="signin_done">{words("signin_done", "ru")}</h1>' in page
    assert f'<p class="{css}">{words("signin_done_text", "ru")}</p><p class="hint">{words("back", "ru")}</p>' in page
