"""Entity extraction: amounts, card numbers, phones and payment services, with their text spans.

Order matters: phones first (a Belarusian number is digits too), then card numbers (Luhn-checked),
then any other long run of digits is set aside (a mistyped card number must never come back as
an amount), then amounts. Each found span is replaced by a placeholder word in the text the intent
classifier sees, so that "переведи 50 рублей" and "переведи 1 000 USD" look alike to it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from messenger_bank.cardnumbers import CARD_DIGITS, luhn_valid
from messenger_bank.conversation.nlu.models import Entity, Service
from messenger_bank.conversation.nlu.text import fold_word, lower
from messenger_bank.money import HOME_CURRENCY, currency_named
from messenger_bank.phones import BELARUS_OPERATORS

PLACEHOLDERS: dict[str, str] = {
    "amount": " zamountz ",
    "card_number": " zcardz ",
    "phone": " zphonez ",
    "digits": " zdigitsz ",
}

_OPERATOR = "|".join(BELARUS_OPERATORS)
_PHONE = re.compile(
    r"(?<![\d+])(?:"
    rf"(?:\+\s*)?375[\s\-.]*\(?\s*(?P<c1>{_OPERATOR})\s*\)?"
    rf"|8[\s\-.]*\(?\s*0[\s\-.]*(?P<c2>{_OPERATOR})\s*\)?"
    rf"|\(?0(?P<c3>{_OPERATOR})\)?"
    rf"|(?P<c4>{_OPERATOR})"
    r")[\s\-.]*(?P<rest>\d(?:[\s\-.]?\d){6})(?![\d])",
    re.ASCII,
)
# Digit groups separated by one space or dash: the shapes people type card numbers in.
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ \-]\d+)*(?!\d)", re.ASCII)
_GROUP = re.compile(r"\d+", re.ASCII)
# A run this long that is no phone and no valid card is a mistyped number, not an amount.
_NOISE_DIGITS = 10

# A number glued after a letter is part of a name ("A1", "life:)" aside): never an amount.
_NUMBER = re.compile(
    r"(?<![\d.,A-Za-z\u0400-\u04ff])(?:\d{1,3}(?:(?:[ \u00a0\u202f]|[.,](?=\d{3}(?![\d])))\d{3})+|\d+)"
    r"(?:[.,]\d{1,2})?(?![\d])(?![.,]\d)",
    re.ASCII,
)
_TOKEN = re.compile(r"[$€₽]|[^\W\d_]+\.?|\d")

# An amount with no currency named is in the bank's home currency.
DEFAULT_CURRENCY = HOME_CURRENCY
_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal("1000000000")


class Span(NamedTuple):
    start: int
    end: int
    entity: Entity | None  # None: digits set aside, not an entity


class Extraction(NamedTuple):
    entities: tuple[Entity, ...]
    masked: str  # the text with each span replaced by its placeholder word


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _phones(text: str) -> list[Span]:
    spans = []
    for match in _PHONE.finditer(text):
        code = match["c1"] or match["c2"] or match["c3"] or match["c4"]
        rest = re.sub(r"\D", "", match["rest"])
        spans.append(Span(match.start(), match.end(), Entity(type="phone", value=f"+375{code}{rest}")))
    return spans


def _cards_and_noise(text: str) -> list[Span]:
    spans = []
    for run in _DIGIT_RUN.finditer(text):
        groups = list(_GROUP.finditer(run.group()))
        first = 0
        while first < len(groups):
            found = None
            # The longest Luhn-valid stretch of whole groups starting here: "4111 1111 1111 1111 50"
            # is a card followed by an amount, not a 18-digit non-card.
            for last in range(len(groups) - 1, first - 1, -1):
                digits = "".join(group.group() for group in groups[first : last + 1])
                if len(digits) in CARD_DIGITS and luhn_valid(digits):
                    found = (last, digits)
                    break
            if found is None:
                first += 1
                continue
            last, digits = found
            start, end = run.start() + groups[first].start(), run.start() + groups[last].end()
            spans.append(Span(start, end, Entity(type="card_number", value=digits)))
            first = last + 1
        # Whatever is left of a long run is a wrong card number or an account: never an amount.
        if sum(len(g.group()) for g in groups) >= _NOISE_DIGITS and not any(
            run.start() <= span.start < run.end() for span in spans
        ):
            spans.append(Span(run.start(), run.end(), None))
    return spans


# --- amounts -------------------------------------------------------------------------------------

_UNITS = {
    # ru
    "ноль": 0, "один": 1, "одна": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    # be
    "адзін": 1, "адна": 1, "адну": 1, "дзве": 2, "тры": 3, "чатыры": 4, "пяць": 5, "шэсць": 6,
    "сем": 7, "восем": 8, "дзевяць": 9, "дзесяць": 10, "адзінаццаць": 11, "дванаццаць": 12,
    "пятнаццаць": 15, "дваццаць": 20, "трыццаць": 30, "сорак": 40, "пяцьдзясят": 50,
    "шэсцьдзясят": 60, "семдзесят": 70, "восемдзесят": 80, "дзевяноста": 90, "дзвесце": 200,
    "трыста": 300, "чатырыста": 400, "пяцьсот": 500,
    # en
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
# Slang for round sums: money by themselves ("скинь пятихатку" is 500 BYN with no currency named).
_SLANG_UNITS = {
    "пятихатка": 500, "пятихатку": 500, "пятихатки": 500, "пятихат": 500, "пятисотка": 500, "пятисотку": 500,
    "пятисотки": 500, "пяцісотка": 500, "пяцісотку": 500, "пяцісоткі": 500,
    "полтинник": 50, "полтинника": 50, "полтос": 50, "полтоса": 50, "палцінік": 50,
    "чирик": 10, "червонец": 10, "червонца": 10, "десятка": 10, "десятку": 10, "дзясятку": 10,
    "пятерка": 5, "пятерку": 5, "пятерочку": 5, "пяцёрка": 5, "пяцёрку": 5,
    "fiver": 5, "tenner": 10,
}  # fmt: skip
_SLANG_HUNDRED = {"сотка", "сотку", "сотки", "соток", "соточка", "соточку", "сотня", "сотню", "сотен"}
_SLANG_THOUSAND = {
    "косарь", "косаря", "косарей", "косари", "косарик", "косарика", "касар", "касары", "касароў",
    "тыща", "тыщу", "тыщи", "тыщ", "штукарь", "grand", "grands",
}  # fmt: skip
_HUNDRED = {"hundred", *_SLANG_HUNDRED}
_THOUSAND = {"тысяча", "тысячу", "тысячи", "тысяч", "тыс", "тысячы", "thousand", "thousands", *_SLANG_THOUSAND}
_NUMBER_WORDS = {fold_word(word): value for word, value in (_UNITS | _SLANG_UNITS).items()}
_HUNDRED_KEYS = {fold_word(word) for word in _HUNDRED}
_THOUSAND_KEYS = {fold_word(word) for word in _THOUSAND}
_SLANG_KEYS = {fold_word(word) for word in (*_SLANG_UNITS, *_SLANG_HUNDRED, *_SLANG_THOUSAND)}


class _Token(NamedTuple):
    text: str
    start: int
    end: int


def _amount_value(digits: str) -> Decimal | None:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", digits)
    # A separator followed by three digits groups thousands ("1,000"); by one or two, decimals.
    if re.search(r"[.,]\d{3}(?!\d)", cleaned) and not re.search(r"[.,]\d{1,2}$", cleaned):
        cleaned = re.sub(r"[.,]", "", cleaned)
    else:
        head, sep, tail = cleaned.rpartition(",") if "," in cleaned else cleaned.rpartition(".")
        cleaned = re.sub(r"[.,]", "", head) + "." + tail if sep else cleaned
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return None


def _amounts(text: str) -> list[Span]:
    # One token list over the text: numbers (already grouped), symbols, words.
    tokens: list[_Token] = []
    position = 0
    for number in _NUMBER.finditer(text):
        tokens.extend(
            _Token(m.group(), position + m.start(), position + m.end())
            for m in _TOKEN.finditer(text[position : number.start()])
            if not m.group().isdigit()
        )
        tokens.append(_Token("#" + number.group(), number.start(), number.end()))
        position = number.end()
    tokens.extend(
        _Token(m.group(), position + m.start(), position + m.end())
        for m in _TOKEN.finditer(text[position:])
        if not m.group().isdigit()
    )

    def word_at(index: int) -> str | None:
        return tokens[index].text if 0 <= index < len(tokens) else None

    def currency_at(index: int) -> tuple[str, int] | None:
        word = word_at(index)
        if word is None or word.startswith("#"):
            return None
        following = word_at(index + 1)
        return currency_named(word, following if following is None or not following.startswith("#") else None)

    spans: list[Span] = []
    index = 0
    while index < len(tokens):
        start_index = index
        prefix = currency_at(index)
        if prefix is not None and prefix[1] == 1:
            index += 1
        else:
            prefix = None
        value, index, from_words, slang = _number_at(tokens, index)
        if value is None:
            index = start_index + 1
            continue
        suffix = currency_at(index)
        if suffix is not None:
            index += suffix[1]
        currency = (prefix or suffix or (DEFAULT_CURRENCY, 0))[0]
        # Number words without a currency are ordinary words ("одну карту"), unless slang for money
        # ("сотку"); digits are amounts, unless they count time or percent ("за 3 месяца", "5 %").
        if (from_words and not slang and prefix is None and suffix is None) or (
            suffix is None and _counts_something_else(word_at(index), text, tokens[index - 1].end)
        ):
            index = start_index + 1
            continue
        if 0 < value < _MAX_AMOUNT:
            amount = value.quantize(_CENT)
            if amount == value:  # three decimals is not money
                end = tokens[index - 1].end
                entity = Entity(type="amount", value=f"{amount} {currency}")
                spans.append(Span(tokens[start_index].start, end, entity))
    return spans


# Words after a number that make it a count of something else: "за 3 месяца", "2 карты", "5 times".
_NOT_MONEY = tuple(
    fold_word(stem)
    for stem in ("дн", "ден", "дзён", "дзен", "day", "месяц", "мес", "month", "недел", "тыдн", "тыдз", "week",
                 "год", "гад", "лет", "year", "мин", "min", "час", "hour", "раз", "time", "штук", "карт", "картк",
                 "card")
)  # fmt: skip


def _counts_something_else(word: str | None, text: str, number_end: int) -> bool:
    if text[number_end : number_end + 2].strip().startswith("%"):
        return True
    if word is None or word.startswith("#"):
        return False
    return fold_word(lower(word.rstrip("."))).startswith(_NOT_MONEY)


def _number_at(tokens: list[_Token], index: int) -> tuple[Decimal | None, int, bool, bool]:
    """The number starting at tokens[index] (digits with a multiplier, or number words): its value,
    the index after it, whether it was said in words, and whether in slang for money."""
    if index >= len(tokens):
        return None, index, False, False
    token = tokens[index].text
    if token.startswith("#"):
        value = _amount_value(token[1:])
        index += 1
        if value is not None and index < len(tokens):
            multiplier = fold_word(lower(tokens[index].text.rstrip(".")))
            # "5к" / "5k" only when glued to the number: "50 к маме" is "50 to mum".
            glued = tokens[index].start == tokens[index - 1].end and multiplier == "k"
            if multiplier in _THOUSAND_KEYS or glued:
                value *= 1000
                index += 1
        return value, index, False, False
    total, current, used, slang = 0, 0, 0, False
    while index < len(tokens):
        key = fold_word(lower(tokens[index].text.rstrip(".")))
        following = fold_word(lower(tokens[index + 1].text)) if index + 1 < len(tokens) else ""
        if key in _NUMBER_WORDS:
            current += _NUMBER_WORDS[key]
        elif key in _HUNDRED_KEYS:
            current = (current or 1) * 100
        elif key in _THOUSAND_KEYS:
            total += (current or 1) * 1000
            current = 0
        elif not (key == "a" and not used and following in _HUNDRED_KEYS | _THOUSAND_KEYS) and not (
            key == "and" and used
        ):
            break
        slang = slang or key in _SLANG_KEYS
        used += 1
        index += 1
    if not used or (total + current) == 0:
        return None, index, True, False
    return Decimal(total + current), index, True, slang


# --- services ------------------------------------------------------------------------------------

# Stems of words naming a payment category, in the three languages and their common brands.
_SERVICE_STEMS: dict[Service, tuple[str, ...]] = {
    # Belarusian operators: A1 (formerly velcom), MTS, life:) — by brand, in both scripts.
    "mobile": ("мобил", "мабіл", "сотов", "сотав", "mobile", "мтс", "mts", "a1", "а1", "velcom", "велком",
               "велкам", "лайф", "life", "cellul", "телефон", "тэлефон", "phone"),
    "utilities": ("коммун", "камунал", "жкх", "жку", "жкп", "квартплат", "utilit", "электроэнерг",
                  "электричеств", "электраэнерг", "electricity", "газ", "gas", "водоснабж", "вадазабесп",
                  "водоканал", "вода", "воду", "вады", "water", "rent", "housing", "communal", "свет",
                  "квартир", "кватэр", "святл"),
    # TV providers: ZALA (Beltelecom), Kosmos TV, VOKA (A1).
    "tv": ("тв", "tv", "телевид", "тэлебач", "televis", "zala", "зала", "cable", "космос", "космас", "kosmos",
           "voka", "вока", "телик"),
    # Internet providers: byfly and Beltelecom itself, Atlant Telecom, Unet.
    "internet": ("интернет", "інтэрнэт", "инет", "інэт", "internet", "byfly", "байфлай", "wifi", "вайфай",
                 "broadband", "белтелеком", "белтэлекам", "beltelecom", "атлант", "atlant", "unet", "юнет"),
    # Travel passes: "проездной", "праязны", a metro or bus pass.
    "transport": ("транспорт", "transport", "проезд", "праезд", "праязн", "метро", "metro", "автобус",
                  "аўтобус", "bus", "тролейбус", "троллейбус", "трамва", "tram", "travel", "маршрутк",
                  "электричк"),
}  # fmt: skip
_SERVICE_KEYS: tuple[tuple[str, Service], ...] = tuple(
    sorted(
        ((fold_word(stem), service) for service, stems in _SERVICE_STEMS.items() for stem in stems),
        key=lambda item: -len(item[0]),
    )
)
_SHORT_STEM = 3  # stems this short must be the whole word ("tv", "газ"), not its beginning


def _services(text: str) -> list[Entity]:
    found: list[Service] = []
    for word in re.findall(r"[^\W_]+", lower(text)):
        key = fold_word(word)
        for stem, service in _SERVICE_KEYS:
            matches = key == stem if len(stem) <= _SHORT_STEM else key.startswith(stem)
            if matches and service not in found:
                found.append(service)
                break
    return [Entity(type="service", value=service) for service in found]


def extract(text: str) -> Extraction:
    """All entities of a text in reading order, and the text masked for the intent classifier."""
    spans: list[Span] = []
    working = text
    for finder in (_phones, _cards_and_noise, _amounts):
        found = finder(working)
        for span in found:
            working = _blank(working, span.start, span.end)
        spans.extend(found)
    spans.sort(key=lambda span: span.start)
    masked_parts, position = [], 0
    for span in spans:
        masked_parts.append(text[position : span.start])
        masked_parts.append(PLACEHOLDERS[span.entity.type if span.entity else "digits"])
        position = span.end
    masked_parts.append(text[position:])
    masked = "".join(masked_parts)
    entities = [span.entity for span in spans if span.entity is not None]
    entities.extend(_services(masked))
    return Extraction(tuple(entities), masked)
