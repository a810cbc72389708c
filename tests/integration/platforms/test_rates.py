"""The fakes refuse sends beyond the platforms' published rates, with the platforms' own error bodies, and
the MessageAPI's adapters take those answers as throttling (wait, then try again).

The fake's rate clock is stopped (`store.clock`), so that "in one second" does not depend on how fast
this machine makes the calls; a test moves it on by hand.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from local.platforms import PlatformsServer
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.errors import PlatformUnavailable
from messenger_bank.channels.models import ChatRef, OutboundMessage, SentMessage
from messenger_bank.channels.settings import ChannelSettings

from .conftest import ALICE, SECRETS

TG = f"/bot{SECRETS.telegram_bot_token}"
WA = f"/v23.0/{SECRETS.whatsapp_phone_number_id}/messages"
WA_AUTH = {"Authorization": f"Bearer {SECRETS.whatsapp_access_token}"}
FB = "/v23.0/me/messages"
FB_AUTH = {"Authorization": f"Bearer {SECRETS.messenger_page_access_token}"}


class StoppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(platforms: PlatformsServer) -> StoppedClock:
    stopped = StoppedClock()
    platforms.store.clock = stopped
    return stopped


def tg_send(client: httpx.Client, chat_id: int) -> httpx.Response:
    return client.post(f"{TG}/sendMessage", json={"chat_id": chat_id, "text": "hi"})


def wa_send(client: httpx.Client, to: str) -> httpx.Response:
    body = {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "hi"}}
    return client.post(WA, json=body, headers=WA_AUTH)


def test_telegram_refuses_the_sixth_message_to_a_chat_in_a_second_with_429_and_retry_after(
    client: httpx.Client, clock: StoppedClock
) -> None:
    assert [tg_send(client, 10).status_code for _ in range(5)] == [200] * 5
    client.post(f"{TG}/sendChatAction", json={"chat_id": 10, "action": "typing"})  # typing is not a message

    refused = tg_send(client, 10)

    assert refused.status_code == 429
    assert refused.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert tg_send(client, 11).status_code == 200  # another chat is not held up
    clock.sleep(1.0)
    assert tg_send(client, 10).status_code == 200  # a second on, the chat takes messages again


def test_telegram_refuses_the_thirty_first_message_of_the_bot_in_a_second(
    client: httpx.Client, clock: StoppedClock
) -> None:
    assert all(tg_send(client, chat).status_code == 200 for chat in range(1, 31))

    assert tg_send(client, 31).status_code == 429
    clock.sleep(1.0)
    assert tg_send(client, 31).status_code == 200


def test_a_refused_or_invalid_request_is_not_counted(client: httpx.Client, clock: StoppedClock) -> None:
    for _ in range(10):
        assert client.post(f"{TG}/sendMessage", json={"chat_id": 10, "text": ""}).status_code == 400

    assert [tg_send(client, 10).status_code for _ in range(6)] == [200] * 5 + [429]


def test_whatsapp_refuses_the_forty_sixth_message_to_a_user_in_six_seconds_with_131056(
    client: httpx.Client, clock: StoppedClock
) -> None:
    assert all(wa_send(client, "4915112345601").status_code == 200 for _ in range(45))

    refused = wa_send(client, "4915112345601")

    assert refused.status_code == 400
    error: dict[str, Any] = refused.json()["error"]
    assert error["code"] == 131056
    assert error["message"] == "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    clock.sleep(5.9)
    assert wa_send(client, "4915112345601").status_code == 400
    clock.sleep(0.1)
    assert wa_send(client, "4915112345601").status_code == 200


def test_whatsapp_refuses_the_eighty_first_message_of_the_number_in_a_second_with_130429(
    client: httpx.Client, clock: StoppedClock
) -> None:
    assert all(wa_send(client, f"49151000{index:05d}").status_code == 200 for index in range(80))

    refused = wa_send(client, "4915199999999")

    assert refused.json()["error"]["code"] == 130429


def test_messenger_refuses_the_three_hundred_and_first_call_of_the_page_in_a_second_with_613(
    client: httpx.Client, clock: StoppedClock
) -> None:
    def typing(psid: int) -> httpx.Response:
        return client.post(FB, json={"recipient": {"id": str(psid)}, "sender_action": "typing_on"}, headers=FB_AUTH)

    assert all(typing(7000000000000000 + index).status_code == 200 for index in range(300))

    refused = typing(7000000000009999)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 613


def test_the_rates_can_be_switched_off_for_a_test_about_something_else(
    client: httpx.Client, clock: StoppedClock
) -> None:
    assert client.post("/_faults", json={"rates": False}).json()["rates_enforced"] is False

    assert all(tg_send(client, 10).status_code == 200 for _ in range(8))


# ------------------------------------------------------------------------------ the adapters honour them
class Unpaced:
    """A limiter that lets everything through, so that the platform's own answer is what paces."""

    def acquire(self, chat_key: str | None) -> float:
        return 0.0


def message_api(platforms: PlatformsServer, clock: StoppedClock) -> MessageAPI:
    config = ChannelSettings(
        telegram_api_base_url=platforms.base_url,
        meta_graph_api_base_url=platforms.base_url,
        telegram_bot_token=SecretStr(SECRETS.telegram_bot_token),
        whatsapp_access_token=SecretStr(SECRETS.whatsapp_access_token),
        whatsapp_phone_number_id=SECRETS.whatsapp_phone_number_id,
        max_attempts=3,
    )
    limiters = {channel: Unpaced() for channel in ("telegram", "viber", "whatsapp", "messenger")}
    return MessageAPI(config, sleep=clock.sleep, limiters=limiters)  # type: ignore[arg-type]


def test_the_message_api_waits_out_telegrams_retry_after_and_delivers(
    platforms: PlatformsServer, clock: StoppedClock
) -> None:
    api = message_api(platforms, clock)
    chat = ChatRef(channel="telegram", chat_id="10")
    try:
        for index in range(6):
            result = api.send(chat, OutboundMessage(text=f"message {index}"))
            assert isinstance(result, SentMessage) and result.message_ids
    finally:
        api.close()

    assert clock.now == pytest.approx(1001.0)  # the sixth waited the second Telegram asked for
    assert len([r for r in platforms.recorded("telegram", "10") if r["method"] == "sendMessage"]) == 6


def test_the_message_api_takes_whatsapps_131056_as_throttling_and_gives_up_transiently(
    platforms: PlatformsServer, clock: StoppedClock
) -> None:
    platforms.send("whatsapp", ALICE, "text", text="hi")  # her 24 h window is open
    api = message_api(platforms, clock)
    chat = ChatRef(channel="whatsapp", chat_id="4915112345601")
    try:
        for index in range(45):
            api.send(chat, OutboundMessage(text=f"message {index}"))
        started = clock.now
        with pytest.raises(PlatformUnavailable, match="131056"):
            api.send(chat, OutboundMessage(text="one too many"))
    finally:
        api.close()

    assert clock.now > started  # backed off between tries (Meta gives no retry_after), then gave up
