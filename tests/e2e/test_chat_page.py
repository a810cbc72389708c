"""The chat page in a real headless Chromium (Debian's, driven by Playwright; no browser download).

Open the page, pick Telegram, type "hi": the signed update reaches a fake webhook receiver. Then the "bot"
sends a message with an inline keyboard through the fake Bot API; the page shows it; clicking the button
sends a callback_query for that message.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local.platforms import PlatformSecrets, PlatformsServer, start_platforms

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRETS = PlatformSecrets(telegram_bot_token="777:E2E-token", telegram_secret_token="e2e-secret")
SCREENSHOT = "/tmp/chat_page.png"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@pytest.fixture
def webhook_log() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A fake API front: records (headers, raw body) of every webhook POST and answers 200."""
    arrivals: list[tuple[dict[str, str], bytes]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path == "/webhooks/telegram":
            arrivals.append((dict(request.headers), request.get_data()))
        return Response("{}", 200, content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}", arrivals
    server.shutdown()
    server.server_close()


@pytest.fixture
def platforms(webhook_log: tuple[str, list[Any]]) -> Iterator[PlatformsServer]:
    server = start_platforms(webhook_base_url=webhook_log[0], secrets=SECRETS)
    yield server
    server.stop()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 390, "height": 760}, device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_chat_page_telegram_text_and_inline_button(
    browser_page: Any, platforms: PlatformsServer, webhook_log: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    _, arrivals = webhook_log
    page = browser_page
    page.goto(platforms.chat_url)
    page.click("[data-channel=telegram]")
    assert page.get_attribute("[data-channel=telegram]", "aria-selected") == "true"

    page.fill("#text", "hi")
    page.click("#send")
    _wait_for(lambda: len(arrivals) == 1)
    headers, raw = arrivals[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "e2e-secret"
    update = json.loads(raw)
    assert update["message"]["text"] == "hi"
    chat_id = update["message"]["chat"]["id"]
    page.wait_for_selector("li.msg.user >> text=hi")

    # The bot answers through the fake Bot API, as the real bot would.
    keyboard = {"inline_keyboard": [[{"text": "Get a card", "callback_data": "card:get"}]]}
    sent = httpx.post(
        f"{platforms.base_url}/bot{SECRETS.telegram_bot_token}/sendMessage",
        json={
            "chat_id": chat_id,
            "text": "Hello <b>Alice</b>! What next?",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
        },
        trust_env=False,
    ).json()
    assert sent["ok"] is True
    button = page.wait_for_selector("li.msg.bot .inline button[data-payload='card:get']")
    assert page.inner_text("li.msg.bot .bubble b") == "Alice"
    page.screenshot(path=SCREENSHOT, full_page=False)
    button.click()

    _wait_for(lambda: len(arrivals) == 2)
    query = json.loads(arrivals[1][1])["callback_query"]
    assert query["data"] == "card:get"
    assert query["message"]["message_id"] == sent["result"]["message_id"]
    assert query["from"]["id"] == chat_id
    assert arrivals[1][0]["X-Telegram-Bot-Api-Secret-Token"] == "e2e-secret"

    # An edit and a delete by the bot show as such.
    httpx.post(
        f"{platforms.base_url}/bot{SECRETS.telegram_bot_token}/editMessageText",
        json={"chat_id": chat_id, "message_id": sent["result"]["message_id"], "text": "Card ordered"},
        trust_env=False,
    )
    page.wait_for_selector("li.msg.bot >> text=edited")
    httpx.post(
        f"{platforms.base_url}/bot{SECRETS.telegram_bot_token}/deleteMessage",
        json={"chat_id": chat_id, "message_id": sent["result"]["message_id"]},
        trust_env=False,
    )
    page.wait_for_selector("li.msg.bot.deleted")
