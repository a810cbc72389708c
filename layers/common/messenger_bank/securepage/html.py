"""The secure page's HTML: one small form on a phone screen, no external assets.

Nothing executable is inline unless its hash is in the Content-Security-Policy: the one style block and
the one script below are hashed at import, so an injected ``<script>`` or ``style=""`` would not run.
The script only copies Telegram's Web App ``initData`` into the form (from ``Telegram.WebApp`` when a
client provides it, else from the ``tgWebAppData`` of the URL fragment, where Telegram puts it) and
checks that the two entries match before posting; the server checks everything again.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Final, Literal

from messenger_bank.conversation.catalogue import text
from messenger_bank.types import Language as Language

Purpose = Literal["pin", "password", "confirm", "signin", "card", "details"]
# The pages that ask a card (sign-in, and reauthentication without a bank password): its full number
# and expiry, which the chat never shows (a mask at most), so no screenshot of the chat gives them.
CARD_PAGES: Final = frozenset({"signin", "card"})

STYLE: Final = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1c1c1e}
main{max-width:420px;margin:0 auto;padding:24px 16px}
h1{font-size:1.35rem;margin:0 0 12px}
p{margin:0 0 16px}
label{display:block;margin:14px 0 6px;font-weight:600}
input{width:100%;font-size:1.25rem;padding:12px;border:1px solid #c7c7cc;border-radius:10px;background:#fff}
button{width:100%;margin-top:22px;padding:14px;font-size:1.1rem;border:0;border-radius:10px;background:#0a7cff;color:#fff}
.error{background:#fde8e8;color:#9b1c1c;border-radius:10px;padding:10px 12px}
.ok{background:#e6f6ea;color:#1e6b34;border-radius:10px;padding:10px 12px}
.hint{color:#6c6c70;font-size:.9rem}
""".strip()

SCRIPT: Final = """
(function () {
  var form = document.getElementById("secure-form");
  if (!form) { return; }
  var data = "";
  var app = window.Telegram && window.Telegram.WebApp;
  if (app && app.initData) {
    data = app.initData;
  } else if (window.location.hash.length > 1) {
    data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData") || "";
  }
  document.getElementById("init_data").value = data;
  form.addEventListener("submit", function (event) {
    var first = form.querySelector("[data-first]");
    var second = form.querySelector("[data-second]");
    var notice = document.getElementById("mismatch");
    if (first && second && first.value !== second.value) {
      event.preventDefault();
      notice.hidden = false;
      second.focus();
    }
  });
})();
""".strip()


# The card details page: the values leave the page (not only the screen) when the time is up.
HIDE_SCRIPT: Final = """
(function () {
  var shown = document.getElementById("card-details");
  if (!shown) { return; }
  var left = Number(shown.getAttribute("data-seconds"));
  var counter = document.getElementById("seconds-left");
  var timer = window.setInterval(function () {
    left -= 1;
    counter.textContent = String(Math.max(left, 0));
    if (left <= 0) {
      window.clearInterval(timer);
      shown.remove();
      document.getElementById("countdown").remove();
      document.getElementById("details-hidden").hidden = false;
    }
  }, 1000);
})();
""".strip()
# How long the card's number, expiry and CVV stay on the page.
DETAILS_SHOWN_SECONDS: Final = 60


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        f"script-src {_hash(SCRIPT)} {_hash(HIDE_SCRIPT)}",
        f"style-src {_hash(STYLE)}",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        # Telegram's web client shows a Web App in a frame; nobody else may frame the page.
        "frame-ancestors 'self' https://web.telegram.org",
    ]
)

HEADERS: Final[dict[str, str]] = {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "pragma": "no-cache",
    "x-content-type-options": "nosniff",
}

# The page's words are the catalogue's ``secure_page.*`` texts (conversation/catalogue/<language>.yaml).
SECTION: Final = "secure_page"


def _words(key: str, language: Language, /, **values: object) -> str:
    return escape(text(f"{SECTION}.{key}", language, **values))


def _document(language: Language, body: str) -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_words('title', language)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _notice(language: Language, error: str | None, remaining: int | None) -> str:
    if error is None:
        return ""
    extra = f" {_words('remaining', language, n=remaining)}" if remaining is not None else ""
    return f'<p class="error" role="alert">{_words(error, language)}{extra}</p>'


def card_form_page(
    purpose: Purpose, language: Language, *, error: str | None = None, remaining: int | None = None
) -> str:
    """The card form (full number, expiry); nothing typed is ever put back into the page."""
    body = (
        f"<h1>{_words(purpose + '_title', language)}</h1><p>{_words(purpose + '_intro', language)}</p>"
        f"{_notice(language, error, remaining)}"
        '<form id="secure-form" method="post" action="" autocomplete="off">'
        f'<label for="card_number">{_words("card_number", language)}</label>'
        '<input id="card_number" name="card_number" type="text" inputmode="numeric" autocomplete="cc-number" '
        'pattern="[0-9 -]{13,23}" minlength="13" maxlength="23" required>'
        f'<label for="card_expiry">{_words("card_expiry", language)}</label>'
        '<input id="card_expiry" name="card_expiry" type="text" inputmode="numeric" autocomplete="cc-exp" '
        'pattern="(0[1-9]|1[0-2])/[0-9]{2}" placeholder="MM/YY" minlength="5" maxlength="5" required>'
        '<input type="hidden" id="init_data" name="init_data" value="">'
        f'<button type="submit" id="submit">{_words("confirm_submit", language)}</button>'
        f"</form><script>{SCRIPT}</script>"
    )
    return _document(language, body)


def details_form_page(language: Language) -> str:
    """What the card details link opens: one button (a GET must not use the link up: messengers fetch links)."""
    body = (
        f"<h1>{_words('details_title', language)}</h1>"
        f"<p>{_words('details_intro', language, seconds=DETAILS_SHOWN_SECONDS)}</p>"
        '<form id="secure-form" method="post" action="" autocomplete="off">'
        '<input type="hidden" id="init_data" name="init_data" value="">'
        f'<button type="submit" id="submit">{_words("details_submit", language)}</button>'
        f"</form><script>{SCRIPT}</script>"
    )
    return _document(language, body)


def _grouped(pan: str) -> str:
    """The number in fours, as on a card."""
    return " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))


def card_details_page(pan: str, expiry: str, cvv: str, language: Language) -> str:
    """The card's number, expiry and CVV, shown once; the script takes them off the page after
    ``DETAILS_SHOWN_SECONDS``. The caller passes the values out of their secrets for this call only."""
    rows = [
        ("details_number", _grouped(pan), "card-number"),
        ("details_expiry", expiry, "card-expiry"),
        ("details_cvv", cvv, "card-cvv"),
    ]
    shown = "".join(
        f'<p><span class="hint">{_words(label, language)}</span><br><b id="{ident}">{escape(value)}</b></p>'
        for label, value, ident in rows
    )
    body = (
        f'<h1 id="outcome" data-outcome="details_shown">{_words("details_title", language)}</h1>'
        f'<div id="card-details" data-seconds="{DETAILS_SHOWN_SECONDS}">{shown}</div>'
        f'<p class="hint" id="countdown">{_words("details_hides", language)} '
        f'<span id="seconds-left">{DETAILS_SHOWN_SECONDS}</span></p>'
        f'<p class="ok" id="details-hidden" hidden>{_words("details_hidden", language)}</p>'
        f'<p class="hint">{_words("back", language)}</p>'
        f"<script>{HIDE_SCRIPT}</script>"
    )
    return _document(language, body)


def form_page(purpose: Purpose, language: Language, *, error: str | None = None, remaining: int | None = None) -> str:
    """The PIN or password form; `error` is a key of the page's texts (never anything the request carried)."""
    if purpose == "details":
        return details_form_page(language)
    if purpose in CARD_PAGES:
        return card_form_page(purpose, language, error=error, remaining=remaining)
    if purpose == "pin":
        field = (
            'type="password" inputmode="numeric" pattern="[0-9]{4}" minlength="4" maxlength="4" '
            'autocomplete="off" required'
        )
    elif purpose == "confirm":
        field = 'type="password" minlength="1" maxlength="64" autocomplete="current-password" required'
    else:
        field = 'type="password" minlength="8" maxlength="64" autocomplete="new-password" required'
    notice = _notice(language, error, remaining)
    # Confirming asks for the password once; setting a PIN or password asks twice, to catch a typo.
    second, submit = "", "confirm_submit"
    if purpose != "confirm":
        second = (
            f'<label for="second">{_words(purpose + "_confirm", language)}</label>'
            f'<input id="second" name="{purpose}_confirm" {field} data-second>'
        )
        submit = "submit"
    body = (
        f"<h1>{_words(purpose + '_title', language)}</h1><p>{_words(purpose + '_intro', language)}</p>{notice}"
        '<form id="secure-form" method="post" action="" autocomplete="off">'
        f'<label for="first">{_words(purpose, language)}</label>'
        f'<input id="first" name="{purpose}" {field} data-first>'
        f"{second}"
        '<input type="hidden" id="init_data" name="init_data" value="">'
        f'<p class="error" id="mismatch" role="alert" hidden>{_words("mismatch", language)}</p>'
        f'<button type="submit" id="submit">{_words(submit, language)}</button>'
        f"</form><script>{SCRIPT}</script>"
    )
    return _document(language, body)


def message_page(kind: str, language: Language, *, ok: bool = False) -> str:
    """A page that only says something: success (``pin_done``, ...) or why the page refused."""
    css = "ok" if ok else "error"
    body = (
        f'<h1 id="outcome" data-outcome="{escape(kind)}">{_words(kind, language)}</h1>'
        f'<p class="{css}">{_words(kind + "_text", language)}</p><p class="hint">{_words("back", language)}</p>'
    )
    return _document(language, body)
