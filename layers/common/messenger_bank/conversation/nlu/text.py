"""Text folding: one Latin "sound key" per utterance, so that spellings of one word meet.

Customers write "баланс", "balans", "баланc" (a Latin c inside a Cyrillic word), "балланс" or, in
Belarusian, "баланс" with і/ў around it. The classifier only sees the folded key, so all of these
share character n-grams. Folding is lossy on purpose: it merges letters people confuse (и/ы/і/й,
y/j/i, w/v) and collapses doubled letters, the commonest typo.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Cyrillic (ru + be) to the Latin most people type when they have no Cyrillic keyboard.
_CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f",
    "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip

# Belarusian Łacinka and Czech-style Russian translit: the hooked letters as the digraphs of the table
# above ("hrošy" meets "грошы"); ł has no decomposition, so without this it would vanish.
_LACINKA = str.maketrans({"č": "ch", "š": "sh", "ž": "zh", "ł": "l"})

# Letters that look the same in both scripts; a word written mostly in one script gets its
# stray look-alikes read in that script ("баланc" with a Latin c is "баланс").
_LATIN_LOOKALIKE_TO_CYRILLIC = str.maketrans("aceopxykmthbi", "асеорхукмтнві")
_CYRILLIC_LOOKALIKE_TO_LATIN = str.maketrans("асеорхукмтнві", "aceopxykmthbi")

# Latin spellings of one sound, longest first; applied to the whole key after transliteration.
_LATIN_MERGES: tuple[tuple[str, str], ...] = (
    ("shch", "sh"), ("sch", "sh"), ("kh", "h"), ("ts", "c"), ("tz", "c"), ("ck", "k"),
    ("w", "v"), ("q", "k"), ("y", "i"), ("j", "i"),
)  # fmt: skip

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"[0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _is_latin(char: str) -> bool:
    return "a" <= char <= "z"


def _fix_mixed_script(word: str) -> str:
    """Reads look-alike letters in the script of the majority of the word."""
    cyrillic = sum(1 for char in word if _is_cyrillic(char))
    latin = sum(1 for char in word if _is_latin(char))
    if cyrillic and latin:
        if cyrillic >= latin:
            return word.translate(_LATIN_LOOKALIKE_TO_CYRILLIC)
        return word.translate(_CYRILLIC_LOOKALIKE_TO_LATIN)
    return word


def lower(text: str) -> str:
    """Lower case with compatibility forms folded (full-width letters, ligatures) and ё as е."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """The key of one lower-case word (cached: a vocabulary is small and words repeat)."""
    word = _fix_mixed_script(word)
    latin = "".join(_CYRILLIC_TO_LATIN.get(char, char) for char in word).translate(_LACINKA)
    # Accents and diacritics (e.g. "š", "é") lose their marks so that "balans" and "balańs" meet.
    latin = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    for source, target in _LATIN_MERGES:
        latin = latin.replace(source, target)
    latin = _DIGITS.sub("0", latin)
    return _DOUBLED.sub(r"\1", latin)


def words(text: str) -> list[str]:
    """Lower-case words of a text, apostrophes removed (Belarusian "сям'я", English "don't")."""
    return _WORD.findall(_APOSTROPHES.sub("", lower(text)))


def fold(text: str) -> str:
    """The folded key of a text: Latin letters, digits as 0, words separated by one space."""
    keys = (fold_word(word) for word in words(text))
    return " ".join(key for key in (_NON_WORD.sub("", k) for k in keys) if key)


# --- the wrong keyboard layout --------------------------------------------------------------------------
# A customer who forgets to switch the layout types "ghbdtn" for "привет" (or "руддщ" for "hello"): the
# keys of the Russian ЙЦУКЕН layout and of the US QWERTY layout, in the same order. Belarusian differs
# on three keys (і for ы, ў for щ, ' for ъ); after folding, і and ы meet, so one table serves both.
_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_QWERTY_SHIFTED = 'QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>~'
_JCUKEN_SHIFTED = "ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ"
_TO_CYRILLIC_KEYS = dict(zip(_QWERTY + _QWERTY_SHIFTED, _JCUKEN + _JCUKEN_SHIFTED, strict=True))
_TO_LATIN_KEYS = dict(zip(_JCUKEN + _JCUKEN_SHIFTED + "іўІЎ", _QWERTY + _QWERTY_SHIFTED + "soSO", strict=True))
# A word typed on the other layout: letters with the punctuation keys that are letters there ("he,kz").
_LATIN_KEYED_WORD = re.compile(r"[A-Za-z\[\]{};:'\"`~,.<>]*[A-Za-z][A-Za-z\[\]{};:'\"`~,.<>]*")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
# "," and "." are ordinary punctuation at the end of a word ("ghbdtn, rfr ltkf"), keys only inside one.
_TRAILING_STOPS = re.compile(r"[,.]+$")


def _to_cyrillic_keys(match: re.Match[str]) -> str:
    word = match.group()
    stops = _TRAILING_STOPS.search(word)
    head, tail = (word[: stops.start()], stops.group()) if stops else (word, "")
    return "".join(_TO_CYRILLIC_KEYS.get(char, char) for char in head) + tail


def swap_layout(text: str) -> str:
    """The text as it was meant when typed on the other keyboard layout.

    If the text has Latin letters, its Latin words are read as keys of the Russian layout
    ("gthtdtlb 50 he,ktq" is "переведи 50 рублей") and Cyrillic words are kept ("покажи ,fkfyc" is
    "покажи баланс"); otherwise its Cyrillic words are read as keys of the English layout ("руддщ" is
    "hello"). Digits and spaces are kept. The caller decides whether the result reads better.
    """
    if any("a" <= char <= "z" for char in text.lower()):
        return _LATIN_KEYED_WORD.sub(_to_cyrillic_keys, text)
    return _CYRILLIC_WORD.sub(lambda match: "".join(_TO_LATIN_KEYS.get(c, c) for c in match.group()), text)
