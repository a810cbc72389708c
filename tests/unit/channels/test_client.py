"""The MessageAPI over httpx.MockTransport: retries, give-up, unreachable recipients, pacing, secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from messenger_bank.channels.client import MessageAPI, RecipientUnavailable
from messenger_bank.channels.errors import PlatformError, PlatformUnavailable
from messenger_bank.channels.models import OutboundMessage, SentMessage
from messenger_bank.channels.settings import ChannelSettings

from .conftest import BUTTON_EVENT, CHATS, OUTBOUND

SETTINGS = ChannelSettings(
    telegram_api_base_url="http://127.0.0.1:9/tg",
    viber_api_base_url="http://127.0.0.1:9/viber",
    meta_graph_api_base_url="http://127.0.0.1:9/graph/",
    telegram_bot_token="123:ABC",
    viber_auth_token="viber-token",
    whatsapp_access_token="wa-token",
    whatsapp_phone_number_id="106540352242922",
    messenger_page_access_token="page-token",
    max_attempts=3,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def api(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock | None = None) -> MessageAPI:
    clock = clock or FakeClock()
    return MessageAPI(SETTINGS, transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep)


def tg_ok(message_id: int) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": {"message_id": message_id, "date": 0, "chat": {"id": 1}}})


def test_a_telegram_send_goes_to_the_bot_url_and_returns_the_message_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return tg_ok(77)

    result = api(handler).send(CHATS["telegram"], OUTBOUND["text"])
    assert result == SentMessage(chat=CHATS["telegram"], message_ids=("77",))
    assert str(seen[0].url) == "http://127.0.0.1:9/tg/bot123:ABC/sendMessage"
    assert json.loads(seen[0].content) == {"chat_id": 375000001, "text": "Your balance is 120.50 BYN."}


def test_429_with_retry_after_waits_as_told_then_succeeds() -> None:
    answers = iter(
        [
            httpx.Response(
                429,
                json={
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                },
            ),
            tg_ok(78),
        ]
    )
    clock = FakeClock()
    result = api(lambda _: next(answers), clock).send(CHATS["telegram"], OUTBOUND["text"])
    assert isinstance(result, SentMessage) and result.message_ids == ("78",)
    assert 3 in clock.slept


def test_an_http_retry_after_header_is_honoured() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}, text="slow down"),
            httpx.Response(200, json={"status": 0, "status_message": "ok", "message_token": 5912661846655238999}),
        ]
    )
    clock = FakeClock()
    result = api(lambda _: next(answers), clock).send(CHATS["viber"], OUTBOUND["text"])
    assert isinstance(result, SentMessage) and result.message_ids == ("5912661846655238999",)
    assert 2 in clock.slept


@pytest.mark.parametrize("code", [130429, 131056, 613, 4, 80007])
def test_meta_throttling_codes_are_retried_with_backoff(code: int) -> None:
    answers = iter(
        [
            httpx.Response(400, json={"error": {"code": code, "message": "rate limit hit"}}),
            httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]}),
        ]
    )
    clock = FakeClock()
    result = api(lambda _: next(answers), clock).send(CHATS["whatsapp"], OUTBOUND["text"])
    assert isinstance(result, SentMessage) and result.message_ids == ("wamid.OUT1",)
    assert len(clock.slept) == 1 and 0 < clock.slept[0] <= 0.5


def test_it_gives_up_after_max_attempts() -> None:
    calls: list[int] = []

    def handler(_: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            429,
            json={"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 1}},
        )

    with pytest.raises(PlatformUnavailable, match="gave up after 3"):
        api(handler).send(CHATS["telegram"], OUTBOUND["text"])
    assert len(calls) == SETTINGS.max_attempts


def test_a_retry_after_longer_than_a_lambda_should_wait_gives_up_at_once() -> None:
    calls: list[int] = []

    def handler(_: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            429, json={"ok": False, "error_code": 429, "description": "Flood", "parameters": {"retry_after": 600}}
        )

    with pytest.raises(PlatformUnavailable):
        api(handler).send(CHATS["telegram"], OUTBOUND["text"])
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("channel", "response"),
    [
        (
            "telegram",
            httpx.Response(
                403, json={"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            ),
        ),
        (
            "telegram",
            httpx.Response(400, json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
        ),
        ("viber", httpx.Response(200, json={"status": 6, "status_message": "notSubscribed"})),
        ("viber", httpx.Response(200, json={"status": 5, "status_message": "receiverNotRegistered"})),
        ("whatsapp", httpx.Response(400, json={"error": {"code": 131047, "message": "Re-engagement message"}})),
        (
            "messenger",
            httpx.Response(400, json={"error": {"code": 551, "message": "This person isn't available right now."}}),
        ),
        (
            "messenger",
            httpx.Response(400, json={"error": {"code": 10, "error_subcode": 2018278, "message": "outside window"}}),
        ),
    ],
)
def test_an_unreachable_recipient_is_a_result_not_a_failure(channel: str, response: httpx.Response) -> None:
    result = api(lambda _: response).send(CHATS[channel], OUTBOUND["long_text"])  # type: ignore[index]
    assert isinstance(result, RecipientUnavailable)
    assert result.chat == CHATS[channel]  # type: ignore[index]


def test_a_request_the_platform_refuses_fails_the_send() -> None:
    response = httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities"}
    )
    with pytest.raises(PlatformError):
        api(lambda _: response).send(CHATS["telegram"], OUTBOUND["text"])


def test_a_refused_typing_or_answer_does_not_fail_the_turn() -> None:
    response = httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: query is too old"}
    )
    tried: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.path.rsplit("/", 1)[-1])
        return response

    client = api(refuse)
    client.answer_button(BUTTON_EVENT["telegram"])
    client.typing(CHATS["telegram"])

    assert tried == ["answerCallbackQuery", "sendChatAction"]  # both asked for, both refused, no exception


def test_secrets_go_in_headers_and_placeholders_are_filled() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "graph" in str(request.url):
            return httpx.Response(200, json={"messages": [{"id": "wamid.1"}], "message_id": "m_1"})
        return httpx.Response(200, json={"status": 0, "message_token": 1})

    client = api(handler)
    client.send(CHATS["viber"], OUTBOUND["text"])
    client.send(CHATS["whatsapp"], OUTBOUND["text"])
    client.send(CHATS["messenger"], OUTBOUND["text"])
    viber, whatsapp, messenger = seen
    assert (str(viber.url), viber.headers["x-viber-auth-token"]) == (
        "http://127.0.0.1:9/viber/pa/send_message",
        "viber-token",
    )
    assert str(whatsapp.url) == "http://127.0.0.1:9/graph/v23.0/106540352242922/messages"
    assert whatsapp.headers["authorization"] == "Bearer wa-token"
    assert (str(messenger.url), messenger.headers["authorization"]) == (
        "http://127.0.0.1:9/graph/v23.0/me/messages",
        "Bearer page-token",
    )


def test_edit_keeps_the_id_in_place_on_telegram_and_sends_anew_elsewhere() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "graph" in str(request.url):
            return httpx.Response(200, json={"messages": [{"id": "wamid.NEW"}]})
        return httpx.Response(200, json={"ok": True, "result": True})

    client = api(handler)
    assert client.edit(CHATS["telegram"], "4242", OUTBOUND["text"]).message_ids == ("4242",)  # type: ignore[union-attr]
    assert client.edit(CHATS["whatsapp"], "wamid.OLD", OUTBOUND["text"]).message_ids == ("wamid.NEW",)  # type: ignore[union-attr]


def test_delete_where_the_platform_cannot_calls_nothing() -> None:
    calls: list[int] = []
    client = api(lambda _: calls.append(1) or httpx.Response(500))  # type: ignore[func-returns-value]
    assert client.delete(CHATS["viber"], "1") is False
    assert calls == []


def test_the_http_client_is_created_on_first_use_and_reused() -> None:
    client = api(lambda _: tg_ok(1))
    assert client._client is None
    client.send(CHATS["telegram"], OUTBOUND["text"])
    first = client._client
    client.send(CHATS["telegram"], OUTBOUND["text"])
    assert client._client is first is not None


def test_a_connection_error_is_retried() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return tg_ok(5)

    assert api(handler).send(CHATS["telegram"], OUTBOUND["text"]).message_ids == ("5",)  # type: ignore[union-attr]


def test_pacing_keeps_one_chat_within_its_rate() -> None:
    # Given Telegram's limits (30/s evenly spaced for the bot, 1/s per chat with a burst of 3) on a fake clock
    clock = FakeClock()
    client = api(lambda _: tg_ok(1), clock)
    started = clock.now
    sent = []
    # When six messages go to one chat at once
    for _ in range(6):
        client.send(CHATS["telegram"], OutboundMessage(text="hi"))
        sent.append(clock.now - started)
    # Then the first three go within the bot's spacing and the rest one per second after the first
    assert sent == pytest.approx([0, 1 / 30, 2 / 30, 1, 2, 3], abs=1e-4)


def test_settings_come_from_the_environment_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRETS_PREFIX", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("META_GRAPH_API_VERSION", "v24.0")
    config = ChannelSettings()
    assert config.telegram_api_base_url == "https://api.telegram.org"
    assert config.viber_api_base_url == "https://chatapi.viber.com"
    assert config.meta_graph_api_base_url == "https://graph.facebook.com"
    assert config.meta_graph_api_version == "v24.0"
    assert config.telegram_bot_token is not None and config.telegram_bot_token.get_secret_value() == "1:x"
    assert "1:x" not in repr(config)


def test_with_a_secrets_prefix_the_secrets_come_from_ssm_never_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRETS_PREFIX", "/test")
    monkeypatch.setenv("META_APP_SECRET", "from-env")
    monkeypatch.setenv("VIBER_SENDER_NAME", "Env Bank")
    monkeypatch.setattr("messenger_bank.secrets.optional_secret", lambda name: f"from-ssm:{name}")
    config = ChannelSettings()
    assert config.viber_sender_name == "Env Bank"  # not a secret: the environment's
    assert config.whatsapp_access_token.get_secret_value() == "from-ssm:WHATSAPP_ACCESS_TOKEN"  # type: ignore[union-attr]
    assert config.webhook_secrets().meta_app_secret.get_secret_value() == "from-ssm:META_APP_SECRET"  # type: ignore[union-attr]


# Viber's documented answer once 100 messages went to one user within an hour without a reply.
VIBER_CAP_ANSWER = {
    "status": 12,
    "status_message": "Too many requests",
    "message_token": "1234567890",
    "chat_hostname": "SN-CHAT-0x_",
}


def test_viber_at_its_cap_is_a_cap_reached_result_tried_once_not_a_throttle_to_wait_out() -> None:
    calls: list[httpx.Request] = []

    def at_cap(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=VIBER_CAP_ANSWER)

    clock = FakeClock()
    result = api(at_cap, clock).send(CHATS["viber"], OUTBOUND["text"])

    assert isinstance(result, RecipientUnavailable)
    assert (result.cap_reached, result.window_closed) == (True, False)
    assert (len(calls), clock.slept) == (1, [])


def test_a_viber_recipient_who_unsubscribed_is_unavailable_not_at_its_cap() -> None:
    answer = httpx.Response(200, json={"status": 6, "status_message": "notSubscribed"})
    result = api(lambda _: answer).send(CHATS["viber"], OUTBOUND["text"])
    assert isinstance(result, RecipientUnavailable) and not result.cap_reached


def test_an_adapter_is_built_on_the_first_message_to_its_messenger() -> None:
    sender = api(lambda _: tg_ok(5))
    assert dict(sender.adapters) == {}

    sender.send(CHATS["telegram"], OUTBOUND["text"])

    assert list(sender.adapters) == ["telegram"]
    assert sender.adapters["viber"].channel == "viber"


def test_a_viber_adapter_built_late_still_signs_with_the_configured_sender() -> None:
    sent: list[dict[str, object]] = []

    def viber(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"status": 0, "status_message": "ok", "message_token": 1})

    MessageAPI(
        SETTINGS.model_copy(update={"viber_sender_name": "Bank of Tests"}), transport=httpx.MockTransport(viber)
    ).send(CHATS["viber"], OUTBOUND["text"])

    assert sent[0]["sender"] == {"name": "Bank of Tests"}


def test_a_warm_up_builds_every_adapter_ahead_of_the_first_send() -> None:
    sender = api(lambda _: tg_ok(5))
    sender.prepare()
    assert sorted(sender.adapters) == ["messenger", "telegram", "viber", "whatsapp"]


def test_a_webhooks_adapter_is_built_once_in_its_init_and_serves_every_update() -> None:
    from messenger_bank.channels import adapter_for

    assert adapter_for("telegram") is adapter_for("telegram")
    assert adapter_for("viber") is not adapter_for("viber", viber_sender_name="Bank of Tests")
