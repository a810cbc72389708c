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

Language = Literal["ru", "en"]
Purpose = Literal["pin", "password", "confirm"]

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


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        f"script-src {_hash(SCRIPT)}",
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

TEXTS: Final[dict[Language, dict[str, str]]] = {
    "ru": {
        "title": "Messenger Bank",
        "pin_title": "Новый PIN-код карты",
        "pin_intro": "Придумайте 4 цифры. Не сообщайте PIN никому, даже сотрудникам банка.",
        "pin": "PIN-код",
        "pin_confirm": "PIN-код ещё раз",
        "password_title": "Новый пароль банка",
        "password_intro": "От 8 до 64 символов, хотя бы одна буква и одна цифра.",
        "password": "Пароль",
        "password_confirm": "Пароль ещё раз",
        "confirm_title": "Подтвердите паролем банка",
        "confirm_intro": "Бот просит пароль ещё раз перед важной операцией. Пароль не попадает в чат.",
        "confirm": "Пароль банка",
        "confirm_submit": "Подтвердить",
        "confirm_done": "Подтверждено",
        "confirm_done_text": "Вернитесь в чат и нажмите «Продолжить». Эту страницу можно закрыть.",
        "wrong_password": "Пароль неверный",
        "wrong_password_text": "Ничего не подтверждено. Вернитесь в чат: бот пришлёт новую ссылку.",
        "submit": "Сохранить",
        "mismatch": "Значения не совпадают.",
        "remaining": "Осталось попыток: {n}.",
        "back": "Вернитесь в чат с ботом.",
        "pin_done": "PIN-код изменён",
        "pin_done_text": "Новый PIN-код уже действует. Эту страницу можно закрыть.",
        "password_done": "Пароль изменён",
        "password_done_text": "Новый пароль уже действует. Эту страницу можно закрыть.",
        "invalid": "Ссылка недействительна",
        "invalid_text": "Эта ссылка не подходит. Попросите бота прислать новую.",
        "expired": "Срок ссылки истёк",
        "expired_text": "Ссылка действует несколько минут. Попросите бота прислать новую.",
        "used": "Ссылка уже использована",
        "used_text": "Каждая ссылка работает один раз. Попросите бота прислать новую.",
        "locked": "Слишком много попыток",
        "locked_text": "Смена временно заблокирована. Попробуйте позже.",
        "not_yours": "Отказано",
        "not_yours_text": "Эта карта не принадлежит вам. Попросите бота прислать новую ссылку.",
        "bad_request": "Некорректный запрос",
        "bad_request_text": "Откройте ссылку из чата с ботом ещё раз.",
        "bank_down": "Банк не ответил",
        "bank_down_text": "Ничего не изменено. Попробуйте позже: попросите бота прислать новую ссылку.",
        "weak_pin": "Такой PIN-код легко угадать. Выберите другой.",
        "bad_pin": "PIN-код: ровно 4 цифры.",
        "bad_password": "Пароль: от 8 до 64 символов, хотя бы одна буква и одна цифра, без пробелов по краям.",
    },
    "en": {
        "title": "Messenger Bank",
        "pin_title": "New card PIN",
        "pin_intro": "Choose 4 digits. Never tell your PIN to anyone, bank staff included.",
        "pin": "PIN",
        "pin_confirm": "PIN again",
        "password_title": "New bank password",
        "password_intro": "8 to 64 characters, at least one letter and one digit.",
        "password": "Password",
        "password_confirm": "Password again",
        "confirm_title": "Confirm with your bank password",
        "confirm_intro": "The bot asks for your bank password again before an important operation. "
        "It never goes into the chat.",
        "confirm": "Bank password",
        "confirm_submit": "Confirm",
        "confirm_done": "Confirmed",
        "confirm_done_text": "Go back to the chat and press “Continue”. You can close this page.",
        "wrong_password": "The password is wrong",
        "wrong_password_text": "Nothing was confirmed. Go back to the chat: the bot will send a new link.",
        "submit": "Save",
        "mismatch": "The two entries differ.",
        "remaining": "Attempts left: {n}.",
        "back": "Go back to the chat with the bot.",
        "pin_done": "PIN changed",
        "pin_done_text": "Your new PIN works now. You can close this page.",
        "password_done": "Password changed",
        "password_done_text": "Your new password works now. You can close this page.",
        "invalid": "This link is not valid",
        "invalid_text": "This link cannot be used. Ask the bot for a new one.",
        "expired": "This link has expired",
        "expired_text": "A link lasts a few minutes. Ask the bot for a new one.",
        "used": "This link was used already",
        "used_text": "Each link works once. Ask the bot for a new one.",
        "locked": "Too many attempts",
        "locked_text": "Changing it is locked for a while. Please try later.",
        "not_yours": "Refused",
        "not_yours_text": "This card is not yours. Ask the bot for a new link.",
        "bad_request": "Bad request",
        "bad_request_text": "Open the link from the chat with the bot again.",
        "bank_down": "The bank did not answer",
        "bank_down_text": "Nothing was changed. Please try later: ask the bot for a new link.",
        "weak_pin": "That PIN is easy to guess. Please choose another.",
        "bad_pin": "A PIN is exactly 4 digits.",
        "bad_password": "8 to 64 characters, at least one letter and one digit, no spaces at the ends.",
    },
}


def _document(language: Language, body: str) -> str:
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(TEXTS[language]['title'])}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def form_page(purpose: Purpose, language: Language, *, error: str | None = None, remaining: int | None = None) -> str:
    """The PIN or password form; `error` is a key of TEXTS (never anything the request carried)."""
    t = TEXTS[language]
    if purpose == "pin":
        field = (
            'type="password" inputmode="numeric" pattern="[0-9]{4}" minlength="4" maxlength="4" '
            'autocomplete="off" required'
        )
    elif purpose == "confirm":
        field = 'type="password" minlength="1" maxlength="64" autocomplete="current-password" required'
    else:
        field = 'type="password" minlength="8" maxlength="64" autocomplete="new-password" required'
    notice = ""
    if error is not None:
        extra = f" {escape(t['remaining'].format(n=remaining))}" if remaining is not None else ""
        notice = f'<p class="error" role="alert">{escape(t[error])}{extra}</p>'
    # Confirming asks for the password once; setting a PIN or password asks twice, to catch a typo.
    second, submit = "", "confirm_submit"
    if purpose != "confirm":
        second = (
            f'<label for="second">{escape(t[purpose + "_confirm"])}</label>'
            f'<input id="second" name="{purpose}_confirm" {field} data-second>'
        )
        submit = "submit"
    body = (
        f"<h1>{escape(t[purpose + '_title'])}</h1><p>{escape(t[purpose + '_intro'])}</p>{notice}"
        '<form id="secure-form" method="post" action="" autocomplete="off">'
        f'<label for="first">{escape(t[purpose])}</label>'
        f'<input id="first" name="{purpose}" {field} data-first>'
        f"{second}"
        '<input type="hidden" id="init_data" name="init_data" value="">'
        f'<p class="error" id="mismatch" role="alert" hidden>{escape(t["mismatch"])}</p>'
        f'<button type="submit" id="submit">{escape(t[submit])}</button>'
        f"</form><script>{SCRIPT}</script>"
    )
    return _document(language, body)


def message_page(kind: str, language: Language, *, ok: bool = False) -> str:
    """A page that only says something: success (``pin_done``, ...) or why the page refused."""
    t = TEXTS[language]
    css = "ok" if ok else "error"
    body = (
        f'<h1 id="outcome" data-outcome="{escape(kind)}">{escape(t[kind])}</h1>'
        f'<p class="{css}">{escape(t[kind + "_text"])}</p><p class="hint">{escape(t["back"])}</p>'
    )
    return _document(language, body)
