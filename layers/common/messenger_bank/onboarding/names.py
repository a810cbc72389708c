"""A holder's name in both scripts, for the card picture (Latin as in a passport, and Cyrillic)."""

from __future__ import annotations

# Belarusian/Russian → Latin, close to the national passport transliteration.
_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ё": "io", "ж": "zh", "з": "z",
    "і": "i", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia", "'": "", "’": "",
}  # fmt: skip
_TO_CYRILLIC = [
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("ia", "я"), ("iu", "ю"),
    ("ya", "я"), ("yu", "ю"), ("a", "а"), ("b", "б"), ("c", "ц"), ("d", "д"), ("e", "е"), ("f", "ф"),
    ("g", "г"), ("h", "г"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"),
    ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"),
]  # fmt: skip


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def to_latin(name: str) -> str:
    return "".join(_TO_LATIN.get(ch, ch) for ch in name.lower()).upper()


def to_cyrillic(name: str) -> str:
    text, out = name.lower(), []
    while text:
        for latin, cyrillic in _TO_CYRILLIC:
            if text.startswith(latin):
                out.append(cyrillic)
                text = text[len(latin) :]
                break
        else:
            out.append(text[0])
            text = text[1:]
    return "".join(out).upper()


def card_holder(full_name: str) -> tuple[str, str]:
    """First name and surname as a card shows them, in Latin and in Cyrillic (at most 26 characters)."""
    parts = full_name.split()
    # The form asks "surname, first name, patronymic"; a card shows "FIRST SURNAME".
    shown = f"{parts[1]} {parts[0]}" if len(parts) >= 2 else full_name
    if _is_cyrillic(shown):
        return to_latin(shown)[:26], shown.upper()[:26]
    return shown.upper()[:26], to_cyrillic(shown)[:26]
