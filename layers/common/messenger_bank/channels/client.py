"""The MessageAPI: sends what the adapters render, with secrets, rate limits and bounded retries.

Throttling (HTTP 429, Telegram `parameters.retry_after`, an HTTP `Retry-After`, Meta's throttling codes)
is retried up to `max_attempts` with the platform's wait or an exponential backoff; a wait longer than
`max_retry_wait_seconds`, or too many tries, raises PlatformUnavailable (transient: the turn may be
retried later). A recipient who blocked the bot, left, is out of the 24 h window or at Viber's cap of
bot messages without a reply gives a RecipientUnavailable result: the turn goes on. A request the
platform will never accept raises PlatformError for sends and edits, and is logged and dropped for
typing, answers, deletes and the buttons taken off a message.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict

from messenger_bank.channels import adapter_class, adapter_for
from messenger_bank.channels.base import ChannelAdapter, PlatformReply, PlatformRequest
from messenger_bank.channels.errors import PlatformError, PlatformUnavailable
from messenger_bank.channels.models import ChatRef, InboundEvent, OutboundMessage, OutsideWindow, SentMessage
from messenger_bank.channels.ratelimit import PLATFORM_LIMITS, DynamoDBClient, Limiter, RateLimiter, SharedRateLimiter
from messenger_bank.channels.settings import ChannelSettings, settings
from messenger_bank.observability import count, logger
from messenger_bank.types import CHANNELS, Channel

if TYPE_CHECKING:  # httpx is imported where a message is sent: a webhook only parses and never pays for it
    import httpx

_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_jitter = random.SystemRandom()


class RecipientUnavailable(BaseModel):
    """The chat cannot be written to now (blocked, left, unknown, outside the 24 h window)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    chat: ChatRef
    reason: str
    # Only the 24 h window is in the way: a WhatsApp template or a Messenger tag may still reach them.
    window_closed: bool = False
    # The platform's cap of bot messages without a reply is spent (Viber): nothing reaches them until they write.
    cap_reached: bool = False
    kind: Literal["recipient_unavailable"] = "recipient_unavailable"


SendResult = SentMessage | RecipientUnavailable
# How a notice reached the chat: as a free message, or as its approved template / tagged message.
NoticeRoute = Literal["free_form", "outside_window"]


def can_edit(channel: Channel) -> bool:
    """Whether the messenger lets a bot edit its own message (a fact of the platform, no settings needed)."""
    return adapter_class(channel).capabilities.can_edit


class Adapters(dict[Channel, ChannelAdapter]):
    """The four messengers' adapters, each built on the first message to its messenger."""

    def __init__(self, config: ChannelSettings) -> None:
        super().__init__()
        self._config = config

    def __missing__(self, channel: Channel) -> ChannelAdapter:
        adapter = self[channel] = adapter_for(channel, viber_sender_name=self._config.viber_sender_name)
        return adapter


@cache
def _dynamodb() -> DynamoDBClient:
    import boto3
    from botocore.config import Config

    # Short timeouts, one retry: a slow table must cost a send little before it paces in-process.
    config = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 2, "mode": "standard"})
    client: Any = boto3.client("dynamodb", config=config)  # its stubs' typed kwargs: any update_item will do
    return cast(DynamoDBClient, client)


def build_limiters(
    config: ChannelSettings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    dynamodb: Callable[[], DynamoDBClient] = _dynamodb,
) -> dict[Channel, Limiter]:
    """Shared in the send-rates table when the stack names one, each paced in-process without it."""
    limiters: dict[Channel, Limiter] = {}
    for channel, limits in PLATFORM_LIMITS.items():
        alone = RateLimiter(limits, clock=clock, sleep=sleep, channel=channel)
        table = config.send_rates_table
        limiters[channel] = (
            SharedRateLimiter(channel, limits, table, dynamodb, fallback=alone, sleep=sleep) if table else alone
        )
    return limiters


def _retry_after_header(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our backoff


class MessageAPI:
    """Send, edit, delete, typing and button answers on the four messengers."""

    def __init__(
        self,
        config: ChannelSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        limiters: Mapping[Channel, Limiter] | None = None,
    ) -> None:
        self.config = config or settings()
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.Client | None = None
        self.adapters = Adapters(self.config)
        self.limiters: Mapping[Channel, Limiter] = limiters or build_limiters(self.config, clock=clock, sleep=sleep)

    # --- the entry points ------------------------------------------------------------------------
    def send(self, chat: ChatRef, message: OutboundMessage) -> SendResult:
        return self._deliver(chat, self.adapters[chat.channel].render_send(chat, message), strict=True)

    def send_notice(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow, *, window_open: bool
    ) -> tuple[SendResult, NoticeRoute]:
        """A message the bank starts: free-form (Messenger UPDATE) while the customer's 24 h window is
        open; after it, `outside` (WhatsApp's approved template, Messenger's message tag). A platform
        that says the window closed (Messenger does, at once) gets `outside` too."""
        adapter = self.adapters[chat.channel]
        proactive = message.model_copy(update={"proactive": True})
        outside_requests = adapter.render_outside_window(chat, proactive, outside)
        if outside_requests and not window_open:
            return self._deliver(chat, outside_requests, strict=True), "outside_window"
        result = self._deliver(chat, adapter.render_send(chat, proactive), strict=True)
        if outside_requests and isinstance(result, RecipientUnavailable) and result.window_closed:
            return self._deliver(chat, outside_requests, strict=True), "outside_window"
        return result, "free_form"

    def edit(self, chat: ChatRef, message_id: str, message: OutboundMessage) -> SendResult:
        """Edit a bot message; where the platform cannot, a new message is sent (see each adapter)."""
        requests = self.adapters[chat.channel].render_edit(chat, message_id, message)
        result = self._deliver(chat, requests, strict=True)
        if isinstance(result, SentMessage) and not result.message_ids and requests[0].action == "edit":
            return SentMessage(chat=chat, message_ids=(message_id,))  # edited in place, same id
        return result

    def edit_in_place(self, chat: ChatRef, message_id: str, message: OutboundMessage) -> bool:
        """Edit a bot message only where the platform can; False (logged), nothing sent, where it cannot
        or refused (the message too old or deleted): the caller decides what goes out instead."""
        adapter = self.adapters[chat.channel]
        requests = adapter.render_edit(chat, message_id, message)
        if not requests or any(request.action != "edit" for request in requests):
            return False
        replies = [self._call(chat.channel, request) for request in requests]
        if not all(adapter.edited(reply) for reply in replies):
            logger.info(
                "message not edited", extra={"channel": chat.channel, "reasons": [reply.reason for reply in replies]}
            )
            return False
        count("MessagesSent", channel=chat.channel)
        return True

    def drop_buttons(self, chat: ChatRef, message_id: str) -> bool:
        """Take the buttons off a bot message whose step is over; False (logged) where the platform cannot
        or did not. A courtesy: a press on a button left in place is refused by the conversation anyway."""
        requests = self.adapters[chat.channel].render_drop_buttons(chat, message_id)
        try:
            return bool(requests) and self._all_taken(chat, requests, ("ok", "ignored"), "buttons not dropped")
        except PlatformUnavailable as error:  # the turn is saved and answered: not worth retrying it
            logger.info("buttons not dropped", extra={"channel": chat.channel, "reasons": [str(error)]})
            return False

    def delete(self, chat: ChatRef, message_id: str) -> bool:
        """Delete a message where the platform allows; False (logged) where it cannot or did not."""
        requests = self.adapters[chat.channel].render_delete(chat, message_id)
        if not requests:
            logger.info("delete not supported; message left in place", extra={"channel": chat.channel})
            return False
        return self._all_taken(chat, requests, ("ok",), "message not deleted")

    def _all_taken(
        self, chat: ChatRef, requests: list[PlatformRequest], taken: tuple[str, ...], not_taken: str
    ) -> bool:
        """Every request made; True when each outcome is one of `taken`, else logged as `not_taken`."""
        replies = [self._call(chat.channel, request) for request in requests]
        if all(reply.outcome in taken for reply in replies):
            return True
        logger.info(not_taken, extra={"channel": chat.channel, "reasons": [reply.reason for reply in replies]})
        return False

    def typing(self, chat: ChatRef, reply_to: str | None = None) -> None:
        self._deliver(chat, self.adapters[chat.channel].render_typing(chat, reply_to), strict=False)

    def answer_button(self, event: InboundEvent, text: str | None = None) -> None:
        requests = self.adapters[event.chat.channel].render_answer_button(event, text)
        self._deliver(event.chat, requests, strict=False)

    def prepare(self) -> None:
        """Create what a first send creates - the HTTP client, the pacing table's client, the adapters - ahead of it
        (a journey's warm-up: handlers.lambda_entry; it does not say which messenger the customer is on)."""
        _ = self.client
        for channel in CHANNELS:
            _ = self.adapters[channel]
        if self.config.send_rates_table:
            _dynamodb()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- the machinery ---------------------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        if self._client is None:  # created on first use: a cold start that sends nothing pays nothing
            import httpx

            self._client = httpx.Client(transport=self._transport, timeout=self.config.http_timeout_seconds)
        return self._client

    def _deliver(self, chat: ChatRef, requests: list[PlatformRequest], *, strict: bool) -> SendResult:
        ids: list[str] = []
        for request in requests:
            reply = self._call(chat.channel, request)
            if reply.outcome in ("unavailable", "window_closed", "cap_reached"):
                logger.warning(
                    "recipient unavailable",
                    extra={"channel": chat.channel, "action": request.action, "reason": reply.reason},
                )
                return RecipientUnavailable(
                    chat=chat,
                    reason=reply.reason,
                    window_closed=reply.outcome == "window_closed",
                    cap_reached=reply.outcome == "cap_reached",
                )
            if reply.outcome == "error":
                logger.error(
                    "platform refused a request",
                    extra={"channel": chat.channel, "action": request.action, "reason": reply.reason},
                )
                if strict:
                    raise PlatformError(f"{chat.channel} refused {request.action}: {reply.reason}")
                continue  # typing / answer: not worth failing the turn
            if reply.message_id is not None:
                ids.append(reply.message_id)
            count("MessagesSent", channel=chat.channel)
        return SentMessage(chat=chat, message_ids=tuple(ids))

    def _url(self, channel: Channel, path: str) -> str:
        config = self.config
        if channel == "telegram":
            token = config.telegram_bot_token
            if token is None:
                raise PlatformError("TELEGRAM_BOT_TOKEN is not configured")
            return config.telegram_api_base_url.rstrip("/") + path.replace("{token}", token.get_secret_value())
        if channel == "viber":
            return config.viber_api_base_url.rstrip("/") + path
        filled = path.replace("{version}", config.meta_graph_api_version)
        if "{phone_number_id}" in filled:
            if not config.whatsapp_phone_number_id:
                raise PlatformError("WHATSAPP_PHONE_NUMBER_ID is not configured")
            filled = filled.replace("{phone_number_id}", config.whatsapp_phone_number_id)
        return config.meta_graph_api_base_url.rstrip("/") + filled

    def _auth_headers(self, channel: Channel) -> dict[str, str]:
        config = self.config
        if channel == "viber":
            if config.viber_auth_token is None:
                raise PlatformError("VIBER_AUTH_TOKEN is not configured")
            return {"X-Viber-Auth-Token": config.viber_auth_token.get_secret_value()}
        if channel == "whatsapp":
            if config.whatsapp_access_token is None:
                raise PlatformError("WHATSAPP_ACCESS_TOKEN is not configured")
            return {"Authorization": f"Bearer {config.whatsapp_access_token.get_secret_value()}"}
        if channel == "messenger":
            if config.messenger_page_access_token is None:
                raise PlatformError("MESSENGER_PAGE_ACCESS_TOKEN is not configured")
            return {"Authorization": f"Bearer {config.messenger_page_access_token.get_secret_value()}"}
        return {}

    def _call(self, channel: Channel, request: PlatformRequest) -> PlatformReply:
        import httpx  # for the errors caught below (the client loads it anyway)

        adapter = self.adapters[channel]
        url = self._url(channel, request.path)  # holds the Telegram token: never logged
        headers = {"Content-Type": "application/json", **request.headers, **self._auth_headers(channel)}
        content = json.dumps(request.body, ensure_ascii=False, separators=(",", ":")).encode()
        chat_key = request.chat.key if request.chat is not None else None
        attempts = self.config.max_attempts
        for attempt in range(1, attempts + 1):
            self.limiters[channel].acquire(chat_key if request.action in ("send", "edit") else None)
            try:
                response = self.client.request(request.method, url, content=content, headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                # Not sent at all: safe to try again.
                reply = PlatformReply(outcome="retry", reason=type(error).__name__)
                response = None
            except httpx.HTTPError as error:
                # Sent, answer lost: a retry might duplicate the message; let the turn decide.
                raise PlatformUnavailable(f"{channel} {request.action}: {type(error).__name__}") from error
            if response is not None:
                reply = adapter.read_reply(request, response.status_code, response.content)
                if reply.outcome == "retry" and reply.retry_after is None:
                    header_wait = _retry_after_header(response)
                    if header_wait is not None:
                        reply = reply.model_copy(update={"retry_after": header_wait})
            if reply.outcome != "retry":
                return reply
            wait = reply.retry_after
            if wait is None:
                wait = min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)) * _jitter.uniform(0.5, 1.0)
            count("PlatformThrottled", channel=channel)
            if attempt == attempts or wait > self.config.max_retry_wait_seconds:
                break
            logger.info(
                "platform throttled; retrying",
                extra={
                    "channel": channel,
                    "action": request.action,
                    "attempt": attempt,
                    "wait": round(wait, 3),
                },
            )
            self._sleep(wait)
        logger.warning("platform kept throttling; giving up", extra={"channel": channel, "reason": reply.reason})
        raise PlatformUnavailable(f"{channel} {request.action}: gave up after {attempt} attempt(s): {reply.reason}")
