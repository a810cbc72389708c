"""Outbound rules: text split at boundaries, buttons within each platform's limits, the one fallback each."""

from __future__ import annotations

import pytest

from messenger_bank.channels import rules
from messenger_bank.channels.models import Attachment, Button, OutboundMessage
from messenger_bank.channels.viber import ViberAdapter
from messenger_bank.types import CHANNELS, Channel

from .conftest import ADAPTERS, BUTTON_EVENT, CHATS, LONG_TEXT, OUTBOUND


# --- rules -----------------------------------------------------------------------------------------
def test_split_text_prefers_paragraphs_then_sentences_then_words() -> None:
    text = "First paragraph here.\n\nSecond one. It has two sentences."
    assert rules.split_text(text, 30) == ["First paragraph here.", "Second one.", "It has two sentences."]
    assert rules.split_text("alpha beta gamma", 11) == ["alpha beta", "gamma"]


def test_split_text_cuts_a_word_longer_than_the_limit() -> None:
    assert rules.split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


@pytest.mark.parametrize("limit", [50, 640, 1024, 2000, 4096, 7000])
def test_split_text_keeps_every_word_and_respects_the_limit(limit: int) -> None:
    pieces = rules.split_text(LONG_TEXT, limit)
    assert all(rules.measure(piece) <= limit for piece in pieces)
    assert " ".join(pieces).split() == LONG_TEXT.split()


def test_emoji_count_as_two_units_like_telegram_does() -> None:
    assert rules.measure("💳") == 2
    assert all(rules.measure(p) <= 5 for p in rules.split_text("💳💳💳💳💳", 5))


def test_split_with_tail_keeps_the_last_piece_under_the_tail_limit() -> None:
    pieces = rules.split_with_tail(LONG_TEXT[:3000], 4096, 1024)
    assert rules.measure(pieces[-1]) <= 1024
    assert " ".join(pieces).split() == LONG_TEXT[:3000].split()


def test_trim_label_adds_an_ellipsis_only_when_cutting() -> None:
    assert rules.trim_label("Balance", 20) == "Balance"
    assert rules.trim_label("Digital Visa Classic card", 20) == "Digital Visa Classi…"
    assert len(rules.trim_label("Digital Visa Classic card", 20)) == 20


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("375291234567", "+375291234567"),
        ("+375 (29) 123-45-67", "+375291234567"),
        ("00375291234567", "+375291234567"),
        ("+1 555-555-5555", "+15555555555"),
        ("911", None),
        ("phone", None),
        ("0291234567", None),
        (None, None),
    ],
)
def test_phones_are_normalised_to_e164(raw: str | None, e164: str | None) -> None:
    assert rules.normalise_phone(raw) == e164


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("/start", (True, None)),
        ("/start REF_1", (True, "REF_1")),
        ("/start@messenger_bank_bot REF_1", (True, "REF_1")),
        ("start REF_1", (True, "REF_1")),
        ("Start   ref-1 ", (True, "ref-1")),
        ("start", (False, None)),
        ("restart please", (False, None)),
        ("start the card please", (False, None)),
    ],
)
def test_the_start_convention(text: str, start: tuple[bool, str | None]) -> None:
    assert rules.parse_start(text) == start


# --- every platform --------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", sorted(OUTBOUND))
def test_every_message_renders_to_at_least_one_request_for_its_chat(channel: Channel, case: str) -> None:
    requests = ADAPTERS[channel].render_send(CHATS[channel], OUTBOUND[case])
    assert requests
    assert all(request.chat == CHATS[channel] and request.action == "send" for request in requests)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_long_text_is_split_into_messages_under_the_platform_max(channel: Channel) -> None:
    requests = ADAPTERS[channel].render_send(CHATS[channel], OUTBOUND["long_text"])
    limit = ADAPTERS[channel].capabilities.max_text
    texts = [_text_of(channel, r.body) for r in requests]
    assert len(texts) > 1
    assert all(rules.measure(t) <= limit for t in texts)
    assert " ".join(texts).split() == LONG_TEXT.split()


def _text_of(channel: Channel, body: dict) -> str:  # type: ignore[type-arg]
    if channel == "whatsapp":
        return str(body["text"]["body"])
    if channel == "messenger":
        return str(body["message"]["text"])
    return str(body["text"])


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_payload_of_many_buttons_is_reachable(channel: Channel) -> None:
    # Given 30 buttons, more than any single message holds on WhatsApp, Messenger and Viber pages
    requests = ADAPTERS[channel].render_send(CHATS[channel], OUTBOUND["many_buttons"])
    sent = str([r.body for r in requests])
    # Then every payload is offered somewhere, in the platform's encoding
    for i in range(30):
        assert f"option.{i}'" in sent


@pytest.mark.parametrize("channel", CHANNELS)
def test_edit_where_the_platform_cannot_is_a_new_message(channel: Channel) -> None:
    adapter = ADAPTERS[channel]
    requests = adapter.render_edit(CHATS[channel], "4242", OUTBOUND["two_buttons"])
    expected = "edit" if adapter.capabilities.can_edit else "send"
    assert [r.action for r in requests] == [expected]


@pytest.mark.parametrize("channel", CHANNELS)
def test_delete_is_a_no_op_where_the_platform_cannot(channel: Channel) -> None:
    requests = ADAPTERS[channel].render_delete(CHATS[channel], "4242")
    assert bool(requests) == ADAPTERS[channel].capabilities.can_delete


@pytest.mark.parametrize("channel", CHANNELS)
def test_only_telegram_answers_button_presses(channel: Channel) -> None:
    requests = ADAPTERS[channel].render_answer_button(BUTTON_EVENT[channel], "Done")
    assert bool(requests) == (channel == "telegram")


def test_typing_is_nothing_on_viber_and_needs_the_customers_message_on_whatsapp() -> None:
    assert ADAPTERS["viber"].render_typing(CHATS["viber"]) == []
    assert ADAPTERS["whatsapp"].render_typing(CHATS["whatsapp"]) == []
    assert ADAPTERS["whatsapp"].render_typing(CHATS["whatsapp"], reply_to="wamid.X")[0].body["message_id"] == "wamid.X"
    assert ADAPTERS["messenger"].render_typing(CHATS["messenger"])[0].body["sender_action"] == "typing_on"
    assert ADAPTERS["telegram"].render_typing(CHATS["telegram"])[0].body["action"] == "typing"


# --- telegram --------------------------------------------------------------------------------------
def test_telegram_puts_buttons_on_an_inline_keyboard_with_callback_data() -> None:
    (request,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["two_buttons"])
    assert request.path == "/bot{token}/sendMessage"
    assert request.body["chat_id"] == 375000001
    assert request.body["reply_markup"]["inline_keyboard"] == [
        [{"text": "Confirm 0", "callback_data": "confirm.0"}, {"text": "Confirm 1", "callback_data": "confirm.1"}]
    ]


def test_telegram_asks_for_the_phone_with_a_one_time_reply_keyboard() -> None:
    (request,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["share_phone"])
    markup = request.body["reply_markup"]
    assert markup["keyboard"][0] == [{"text": "Share my phone", "request_contact": True}]
    assert markup["one_time_keyboard"] is True


def test_telegram_opens_web_apps_and_splits_wide_rows() -> None:
    (web,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["web_app"])
    assert web.body["reply_markup"]["inline_keyboard"][0][0]["web_app"] == {"url": "https://bank.example.com/pin?t=abc"}
    (wide,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["wide_row"])
    assert [len(row) for row in wide.body["reply_markup"]["inline_keyboard"]] == [8, 2]


def test_telegram_opens_a_plain_http_page_as_a_link_not_a_web_app() -> None:
    button = Button(label="Set PIN", url="http://127.0.0.1:3000/secure/pin?t=abc", web_app=True)
    local = OutboundMessage(text="Set PIN", buttons=((button,),))

    (request,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], local)

    assert request.body["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Set PIN",
        "url": "http://127.0.0.1:3000/secure/pin?t=abc",
    }


def test_telegram_cuts_callback_data_to_64_bytes_at_a_character_boundary() -> None:
    (request,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["unicode_payload"])
    data = request.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= 64
    assert "мова.беларуская".startswith(data) or data.startswith("мова.беларуская")


def test_telegram_keeps_the_text_as_caption_when_it_fits_and_sends_it_after_when_not() -> None:
    (photo,) = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["picture"])
    assert photo.path.endswith("/sendPhoto") and photo.body["caption"] == "Your card"
    requests = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["picture_long_text"])
    assert [r.path.rsplit("/", 1)[-1] for r in requests] == ["sendPhoto", "sendMessage"]
    assert "caption" not in requests[0].body


def test_telegram_edits_text_in_place_but_resends_a_message_with_a_picture() -> None:
    (edit,) = ADAPTERS["telegram"].render_edit(CHATS["telegram"], "4242", OUTBOUND["two_buttons"])
    assert edit.path.endswith("/editMessageText") and edit.body["message_id"] == 4242
    resent = ADAPTERS["telegram"].render_edit(CHATS["telegram"], "4242", OUTBOUND["picture"])
    assert [r.action for r in resent] == ["send"]


def test_telegram_pages_a_keyboard_of_more_than_100_buttons() -> None:
    requests = ADAPTERS["telegram"].render_send(CHATS["telegram"], OUTBOUND["huge_keyboard"])
    counts = [sum(map(len, r.body["reply_markup"]["inline_keyboard"])) for r in requests]
    assert counts == [100, 30]
    assert requests[1].body["text"] == rules.DEFAULT_MORE_LABEL


# --- viber -----------------------------------------------------------------------------------------
def test_viber_buttons_send_back_prefixed_payloads_silently() -> None:
    (request,) = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["two_buttons"])
    buttons = request.body["keyboard"]["Buttons"]
    assert [(b["ActionType"], b["ActionBody"], b["Columns"], b["Silent"]) for b in buttons] == [
        ("reply", "mb:confirm.0", 3, True),
        ("reply", "mb:confirm.1", 3, True),
    ]
    assert request.body["sender"] == {"name": "Messenger Bank"}


def test_viber_reads_a_sender_name_given_as_a_source_once_where_a_message_names_it() -> None:
    # The webhook builds its adapter at init without reading the channels' settings (issue 20: they read every
    # platform secret the function may see); the name is read on the first message that carries it.
    reads: list[str] = []

    def name() -> str:
        reads.append("read")
        return "x" * 40

    adapter = ViberAdapter(sender_name=name)
    assert reads == []
    first = adapter.render_welcome(OUTBOUND["two_buttons"])
    (request,) = adapter.render_send(CHATS["viber"], OUTBOUND["two_buttons"])
    assert first["sender"] == request.body["sender"] == {"name": "x" * 27 + "…"}  # trimmed to Viber's 28
    assert reads == ["read"]


def test_viber_round_trips_a_button_payload() -> None:
    (request,) = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["two_buttons"])
    action_body = request.body["keyboard"]["Buttons"][1]["ActionBody"]
    press = (
        '{"event":"message","timestamp":1767225600000,"message_token":1,"sender":{"id":"u1"},'
        f'"message":{{"type":"text","text":"{action_body}"}}}}'
    )
    (event,) = ADAPTERS["viber"].parse(press.encode())
    assert (event.kind, event.button) == ("button", "confirm.1")


def test_viber_shares_the_phone_and_keeps_tracking_data() -> None:
    (phone,) = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["share_phone"])
    assert phone.body["keyboard"]["Buttons"][0]["ActionType"] == "share-phone"
    assert phone.body["min_api_version"] == 3
    (tracked,) = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["tracked"])
    assert tracked.body["tracking_data"] == "s:7f3a9c"


def test_viber_sends_a_document_as_a_file_only_when_its_size_is_known() -> None:
    (file,) = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["document_with_size"])
    assert (file.body["type"], file.body["size"], file.body["file_name"]) == ("file", 48213, "requisites.pdf")
    link, text = ADAPTERS["viber"].render_send(CHATS["viber"], OUTBOUND["document"])
    assert (link.body["type"], text.body["text"]) == ("url", "Requisites")


# --- whatsapp --------------------------------------------------------------------------------------
def test_whatsapp_uses_reply_buttons_for_three_short_labels() -> None:
    (request,) = ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], OUTBOUND["three_buttons"])
    interactive = request.body["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["option.0", "option.1", "option.2"]


def test_whatsapp_turns_more_buttons_or_long_labels_into_lists() -> None:
    (five,) = ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], OUTBOUND["five_buttons"])
    assert five.body["interactive"]["type"] == "list"
    (labels,) = ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], OUTBOUND["long_labels"])
    row = labels.body["interactive"]["action"]["sections"][0]["rows"][0]
    assert row == {
        "id": "card.1",
        "title": "Digital Visa Classic ca…",
        "description": "Digital Visa Classic card ending 1111 (main)",
    }


def test_whatsapp_pages_lists_of_more_than_ten_rows() -> None:
    requests = ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], OUTBOUND["many_buttons"])
    rows = [len(r.body["interactive"]["action"]["sections"][0]["rows"]) for r in requests]
    assert rows == [10, 10, 10]
    assert requests[1].body["interactive"]["body"]["text"] == "More payees"


def whatsapp(message: OutboundMessage) -> list[dict]:  # type: ignore[type-arg]
    return [request.body for request in ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], message)]


PAGE = Button(label="Open the payment page", url="https://pay.example.com/s/abc")


def test_whatsapp_sends_a_url_button_as_a_cta_url_message_with_the_text() -> None:
    (body,) = whatsapp(OutboundMessage(text="Top up from any card", buttons=((PAGE,),)))
    interactive = body["interactive"]
    assert interactive["type"] == "cta_url" and interactive["body"] == {"text": "Top up from any card"}
    assert interactive["action"] == {
        "name": "cta_url",
        "parameters": {"display_text": "Open the payment pa…", "url": "https://pay.example.com/s/abc"},
    }


def test_whatsapp_sends_a_url_button_and_reply_buttons_as_two_messages_the_link_first() -> None:
    link, replies = whatsapp(OUTBOUND["url_button"])
    assert link["interactive"]["type"] == "cta_url" and link["interactive"]["body"]["text"] == "Top up from any card"
    assert replies["interactive"]["type"] == "button" and replies["interactive"]["body"]["text"] == rules.FILLER_TEXT
    assert [b["reply"]["id"] for b in replies["interactive"]["action"]["buttons"]] == ["topup.cancel"]


def test_whatsapp_sends_each_url_button_in_its_own_message() -> None:
    other = Button(label="Terms", url="https://bank.example.com/terms")
    first, second = whatsapp(OutboundMessage(text="Read and pay", buttons=((PAGE, other),)))
    assert first["interactive"]["body"]["text"] == "Read and pay"
    assert second["interactive"]["body"]["text"] == "Terms"
    assert second["interactive"]["action"]["parameters"]["url"] == "https://bank.example.com/terms"


def test_whatsapp_keeps_a_link_that_is_not_a_web_page_in_the_text() -> None:
    call = Button(label="Call us", url="tel:+375291234567")
    (body,) = whatsapp(OutboundMessage(text="Questions?", buttons=((call,),)))
    assert body["type"] == "text" and body["text"]["body"] == "Questions?\nCall us: tel:+375291234567"


def test_whatsapp_sends_the_start_of_a_long_text_before_the_url_button() -> None:
    *texts, link = whatsapp(OutboundMessage(text=LONG_TEXT[:3000], buttons=((PAGE,),)))
    assert texts and all(body["type"] == "text" for body in texts)
    assert rules.measure(link["interactive"]["body"]["text"]) <= 1024
    assert " ".join(b["text"]["body"] for b in texts).split() + link["interactive"]["body"]["text"].split() == (
        LONG_TEXT[:3000].split()
    )


def test_whatsapp_puts_the_text_on_the_url_button_not_as_a_caption() -> None:
    picture = Attachment(kind="picture", url="https://media.example/r.png")
    image, link = whatsapp(OutboundMessage(text="Your receipt", buttons=((PAGE,),), attachment=picture))
    assert "caption" not in image["image"] and link["interactive"]["body"]["text"] == "Your receipt"


def test_whatsapp_gives_a_url_button_without_text_its_label_as_the_body() -> None:
    (body,) = whatsapp(OutboundMessage(buttons=((PAGE,),)))
    assert body["interactive"]["body"]["text"] == "Open the payment page"


def test_whatsapp_knows_the_phone() -> None:
    (phone,) = ADAPTERS["whatsapp"].render_send(CHATS["whatsapp"], OUTBOUND["share_phone"])
    assert phone.body["interactive"]["action"]["buttons"][0]["reply"]["id"] == rules.SHARE_PHONE_PAYLOAD


# --- messenger -------------------------------------------------------------------------------------
def test_messenger_uses_a_button_template_for_up_to_three_buttons() -> None:
    (request,) = ADAPTERS["messenger"].render_send(CHATS["messenger"], OUTBOUND["url_button"])
    payload = request.body["message"]["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert [b["type"] for b in payload["buttons"]] == ["web_url", "postback"]
    assert payload["buttons"][1]["payload"] == "mb:topup.cancel"
    assert request.body["messaging_type"] == "RESPONSE"


def test_messenger_uses_quick_replies_for_more_buttons_and_for_the_phone() -> None:
    (five,) = ADAPTERS["messenger"].render_send(CHATS["messenger"], OUTBOUND["five_buttons"])
    assert [q["payload"] for q in five.body["message"]["quick_replies"]] == [f"mb:option.{i}" for i in range(5)]
    (phone,) = ADAPTERS["messenger"].render_send(CHATS["messenger"], OUTBOUND["share_phone"])
    assert phone.body["message"]["quick_replies"][0] == {"content_type": "user_phone_number"}


def test_messenger_trims_quick_reply_titles_to_20() -> None:
    labels = OutboundMessage(
        text="Pick", buttons=tuple((Button(label=f"A rather long label number {i}", payload=str(i)),) for i in range(5))
    )
    (request,) = ADAPTERS["messenger"].render_send(CHATS["messenger"], labels)
    assert all(len(q["title"]) <= 20 for q in request.body["message"]["quick_replies"])
