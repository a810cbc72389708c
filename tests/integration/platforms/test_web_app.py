"""The fake Telegram opens the local secure page as the chat's Web App: with initData the bank's own
verifier accepts for that chat, and never towards a page elsewhere."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from local.platforms.server import PlatformsServer
from messenger_bank.security.links import verify_init_data

PAGE = "http://127.0.0.1:3000/secure/pin?t=abc"


def test_a_local_page_opens_with_the_chats_signed_web_app_data(
    client: httpx.Client, platforms: PlatformsServer
) -> None:
    answer = client.get("/_web_app", params={"url": PAGE, "user_id": "1001"}, follow_redirects=False)

    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert location._replace(fragment="").geturl() == PAGE
    (data,) = parse_qs(location.fragment)["tgWebAppData"]
    user = verify_init_data(data, platforms.platforms.secrets.telegram_bot_token)
    assert user.chat_key == "telegram:1001"


def test_a_page_elsewhere_is_not_opened(client: httpx.Client) -> None:
    answer = client.get(
        "/_web_app", params={"url": "https://evil.example/secure/pin", "user_id": "1001"}, follow_redirects=False
    )

    assert answer.status_code == 400
