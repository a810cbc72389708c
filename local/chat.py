"""A person in a chat with the bot on the local cloud (tests and benches): sends what the messenger
would send (signed, through the fake platform and the API front) and reads what the bot sent back
(recorded by the fake platform)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from local.cloud.cloud import LocalCloud
from local.platforms import platform_user_id

_people = itertools.count(1)


@dataclass
class Person:
    """A unique applicant: the sandbox bank dedupes people by personal number and phone."""

    number: int = field(default_factory=lambda: next(_people))
    surname: str = "Каваленка"
    first_name: str = "Алеся"
    born: str = "05.03.1990"

    @property
    def phone(self) -> str:
        return f"+37529{7000000 + self.number:07d}"

    @property
    def passport(self) -> str:
        return f"MP{3000000 + self.number:07d}"

    @property
    def personal_id(self) -> str:
        day, month, year = self.born.split(".")
        return f"4{day}{month}{year[2:]}A{self.number % 1000:03d}PB5"

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.first_name} Іванаўна"


def buttons_in(markup: Any) -> Iterator[tuple[str, str]]:
    """(label, payload) of every button in a platform's own markup, whatever the platform."""
    if isinstance(markup, list):
        for item in markup:
            yield from buttons_in(item)
    elif isinstance(markup, dict):
        label = markup.get("text") or markup.get("Text") or markup.get("title")
        payload = markup.get("callback_data") or markup.get("ActionBody") or markup.get("payload")
        if payload is None and "reply" in markup:
            yield from buttons_in({"title": markup["reply"].get("title"), "payload": markup["reply"].get("id")})
            return
        if payload is None and "id" in markup and "title" in markup:
            payload = markup["id"]
        if isinstance(label, str) and isinstance(payload, str):
            yield label, payload
        for value in markup.values():
            if isinstance(value, list | dict):
                yield from buttons_in(value)


class Chat:
    def __init__(self, cloud: LocalCloud, channel: str, user_id: str, *, name: str = "Алеся", phone: str) -> None:
        self.cloud = cloud
        self.channel = channel
        self.user = {"id": user_id, "name": name, "phone": phone, "language": "ru"}
        self.chat_id = platform_user_id(channel, user_id, phone)
        self._answered_from = 0  # where the bot's answers to the last action begin

    @property
    def chat_key(self) -> str:
        return f"{self.channel}:{self.chat_id}"

    def messages(self) -> list[dict[str, Any]]:
        """What the bot has shown in this chat so far (sent messages, pictures, documents)."""
        feed = self.cloud.platforms.store.conversation(self.channel, self.chat_id)
        return [m.to_json() for m in feed if m.to_json()["from"] == "bot"]

    def _send(self, kind: str, **fields: Any) -> dict[str, Any]:
        answer: dict[str, Any] = self.cloud.platforms.send(self.channel, self.user, kind, **fields)
        return answer

    def _await(self, before: int, count: int, timeout_s: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            shown = self.messages()
            if len(shown) >= before + count:
                time.sleep(0.15)  # let the rest of the turn's replies land
                return self.messages()[before:]
            time.sleep(0.1)
        raise AssertionError(
            f"the bot did not answer in {timeout_s} s; it said: {[m['text'] for m in self.messages()]}"
        )

    def act(
        self, send: Callable[[], dict[str, Any]], *, replies: int = 1, timeout_s: float = 30
    ) -> list[dict[str, Any]]:
        before = len(self.messages())
        self._answered_from = before
        answer = send()
        assert answer["status"] == 200, answer
        return self._await(before, replies, timeout_s)

    def say(self, text: str, **kw: Any) -> list[dict[str, Any]]:
        return self.act(lambda: self._send("text", text=text), **kw)

    def start(self, **kw: Any) -> list[dict[str, Any]]:
        return self.act(lambda: self._send("start"), **kw)

    def share_phone(self, **kw: Any) -> list[dict[str, Any]]:
        return self.act(lambda: self._send("contact"), **kw)

    def share_contact(self, phone: str, **kw: Any) -> list[dict[str, Any]]:
        """Share an address-book card of `phone` (someone else's number, as far as the messenger knows)."""
        return self.act(lambda: self._send("contact", contact_phone=phone), **kw)

    def last_code(self, phone: str | None = None) -> str:
        """The newest one-time code texted to `phone` (this person's own by default), read off the phone."""
        codes = self.cloud.sandbox.bank.codes_sent_to(phone or str(self.user["phone"]))
        assert codes, f"no code was texted to {phone or self.user['phone']}"
        return str(codes[-1])

    def button(self, label_part: str, timeout_s: float = 10) -> str:
        """The payload of the newest button whose label contains `label_part`, as a person sees it: among
        what the bot said since the last action (waiting for it), else anywhere in the chat."""
        deadline = time.monotonic() + timeout_s
        while True:
            shown = self.messages()
            found = self._find_button(shown[self._answered_from :], label_part)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                found = self._find_button(shown, label_part)
                if found is not None:
                    return found
                raise AssertionError(f"no button {label_part!r} in the chat; the bot said: {self.texts()[-500:]}")
            time.sleep(0.1)

    @staticmethod
    def _find_button(messages: list[dict[str, Any]], label_part: str) -> str | None:
        for message in reversed(messages):
            for label, payload in buttons_in(message.get("markup")):
                if label_part.lower() in label.lower():
                    return payload
        return None

    def press(self, label_part: str, **kw: Any) -> list[dict[str, Any]]:
        payload = self.button(label_part)
        return self.act(lambda: self._send("button", payload=payload), **kw)

    def _first(self, matches: Callable[[dict[str, Any]], bool], after: int, timeout_s: float) -> dict[str, Any] | None:
        """The first bot message after the first `after` that `matches`, waiting up to `timeout_s` for it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in self.messages()[after:]:
                if matches(message):
                    return message
            time.sleep(0.2)
        return None

    def wait_for(self, text_part: str, timeout_s: float = 60) -> dict[str, Any]:
        """The first bot message containing `text_part`, waiting for it to arrive."""
        found = self._first(lambda message: text_part in str(message.get("text") or ""), 0, timeout_s)
        if found is None:
            raise AssertionError(f"no {text_part!r} in {timeout_s} s; the bot said: {self.texts()}")
        return found

    def wait_for_picture(self, after: int = 0, timeout_s: float = 30) -> dict[str, Any]:
        """The first bot message with a picture among those after the first `after`, waiting for it (on
        Telegram a receipt's picture follows its words, which are the "in progress" message edited)."""
        found = self._first(lambda message: bool(message.get("media")), after, timeout_s)
        if found is None:
            raise AssertionError(f"no picture in {timeout_s} s; the bot said: {self.texts()[-600:]}")
        return found

    def delivered_at(self, since: float, text_part: str) -> float | None:
        """When both a picture and a text containing `text_part` had reached the chat after `since`
        (epoch seconds; one message or two, as the messenger shows them), or None if not yet."""
        picture = text = None
        for message in self.messages():
            if message["time"] < since:
                continue
            if message.get("media") and picture is None:
                picture = float(message["time"])
            if text_part in str(message.get("text") or "") and text is None:
                text = float(message["time"])
        return max(picture, text) if picture is not None and text is not None else None

    def press_and_time(self, payload: str, text_part: str, timeout_s: float) -> tuple[float, int, float | None]:
        """Press the button `payload` now: (when, the platform's HTTP status, when the picture and the text
        containing `text_part` had arrived, or None if not within `timeout_s`)."""
        pressed = time.time()
        status = int(self.cloud.platforms.send(self.channel, self.user, "button", payload=payload)["status"])
        deadline = time.monotonic() + timeout_s
        done = None
        while status == 200 and done is None and time.monotonic() < deadline:
            time.sleep(0.02)
            done = self.delivered_at(pressed, text_part)
        return pressed, status, done

    def texts(self) -> str:
        return "\n".join(str(m.get("text") or m.get("caption") or "") for m in self.messages())


def invoke_operation(
    cloud: LocalCloud, operation: str, payload: dict[str, Any], *, as_chat: Chat | None = None
) -> tuple[str | None, dict[str, Any]]:
    """Call an operation Lambda as the conversation does, with `as_chat`'s session when given (opened by
    find_customer for that chat, as the conversation opens it): (errorType or None, the answer)."""
    assert cloud.stack is not None
    lambdas = cloud.client("lambda")

    def call(name: str, body: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        response = lambdas.invoke(FunctionName=f"{cloud.stack.name}-op-{name}", Payload=json.dumps(body))  # type: ignore[union-attr]
        answer = json.loads(response["Payload"].read() or b"null")
        return (str(answer.get("errorType")) if response.get("FunctionError") else None), answer

    if as_chat is not None:
        who = {"channel": as_chat.channel, "user_id": as_chat.chat_id, "chat_key": as_chat.chat_key}
        error, opened = call("find_customer", who)
        assert error is None and opened.get("session"), f"no session for {as_chat.chat_key}: {error or opened}"
        payload = {**payload, "session": {"token": opened["session"], "chat_key": as_chat.chat_key}}
    return call(operation, payload)


def onboard(chat: Chat, person: Person, *, confirm: bool = True, offers: bool = False) -> list[dict[str, Any]]:
    """From the menu to the summary (and its confirmation): the onboarding flow as a person goes it.
    `offers`: the marketing consent given too (the consent screen's second button)."""
    chat.say("/start" if chat.channel == "telegram" else "привет", replies=2)
    chat.press("карту")
    chat.press("Русский")
    chat.press("Да + предложения" if offers else "Согласен")
    if chat.channel == "whatsapp":
        pass  # WhatsApp knows the sender's number: the bot goes straight on
    else:
        chat.share_phone()
        if chat.channel != "telegram":  # only Telegram vouches for a shared contact: the rest get a code
            chat.say(chat.last_code())
    for answer in (person.full_name, person.born, person.passport, person.personal_id, "12.08.2015"):
        chat.say(answer)
    if not confirm:
        return chat.messages()
    return chat.press("верно", replies=2, timeout_s=60)


def journey_history(cloud: LocalCloud, chat_key_part: str = "") -> list[dict[str, Any]]:
    """Every event of every execution of every state machine (to check what they carried)."""
    sfn = cloud.client("stepfunctions")
    events: list[dict[str, Any]] = []
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if chat_key_part and chat_key_part not in described.get("input", ""):
                continue
            events.append({"type": "Execution", "input": described.get("input"), "output": described.get("output")})
            events += sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
    normalised: list[dict[str, Any]] = json.loads(json.dumps(events, default=str))
    return normalised
