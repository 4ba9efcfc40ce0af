"""Names as people read them: the text a signer typed without its invisible characters, and a
key under which two names that look alike are equal.

Pure functions, no database. The Unicode data (the Default_Ignorable_Code_Point property, the
TS #39 confusables) comes from ICU through PyICU, so it is the same data every browser and
operating system uses, and it is updated with the package, not by hand.

Limits, on purpose:
- The key is case-blind ("FAMOUS PERSON" and "Famous Person" share one), so every capital is
  lowered as the letter it looks like (Cyrillic "М" as "m"). A capital I is lowered to "i", so
  a capital I written for a small l ("PauI") does not match "Paul": TS #39 puts I and l
  together only in their original case, and no key can be case-blind and keep that pair.
- Only one-to-one look-alikes are caught (a name and its skeleton). Near misses ("Famous Persson")
  are a moderator's eye's job, helped by the sorted word list in the queue.
"""

import unicodedata
from functools import lru_cache

import icu

# Characters that display as nothing (or nearly nothing) and are never needed in a name, a
# title or an organization: Unicode's Default_Ignorable_Code_Point (zero-width space and
# joiners, soft hyphen, word joiner, variation selectors, Hangul fillers, tag characters, the
# Mongolian vowel separator, ...) and the format characters (Cf: bidi marks, byte order mark,
# interlinear annotation marks). 4,200 code points in 25 ranges.
_INVISIBLE = icu.UnicodeSet("[[:Default_Ignorable_Code_Point:][:Cf:]]")
_STRIP_TABLE = {cp: None for start, end in _INVISIBLE.ranges() for cp in range(ord(start), ord(end) + 1)}
# Blank but not ignorable: shows as a gap between words, so it is read as a space.
_STRIP_TABLE[0x2800] = " "  # BRAILLE PATTERN BLANK

ZWNJ, ZWJ = "\u200c", "\u200d"
# Persian, Arabic and the Indic scripts need the zero-width (non-)joiner to spell some names
# right. They are kept only where IDNA keeps them (RFC 5892, appendix A.1 and A.2): after a
# virama, or for ZWNJ between two letters that join (Arabic-type joining), so they cannot hide
# inside a Latin name.
_JOINS_TO_THE_LEFT = icu.UnicodeSet("[[:Joining_Type=Dual_Joining:][:Joining_Type=Left_Joining:]]")
_JOINS_TO_THE_RIGHT = icu.UnicodeSet("[[:Joining_Type=Dual_Joining:][:Joining_Type=Right_Joining:]]")
_TRANSPARENT = icu.UnicodeSet("[:Joining_Type=Transparent:]")
_VIRAMA = 9  # canonical combining class of a virama

_SPOOF_CHECKER = icu.SpoofChecker()


def _joiner_is_needed(text: str, i: int) -> bool:
    """RFC 5892's CONTEXTJ rules for text[i], a ZWNJ or a ZWJ."""
    if i > 0 and unicodedata.combining(text[i - 1]) == _VIRAMA:
        return True
    if text[i] != ZWNJ:
        return False
    before = i - 1
    while before >= 0 and _TRANSPARENT.contains(text[before]):
        before -= 1
    after = i + 1
    while after < len(text) and _TRANSPARENT.contains(text[after]):
        after += 1
    return (
        before >= 0
        and after < len(text)
        and _JOINS_TO_THE_LEFT.contains(text[before])
        and _JOINS_TO_THE_RIGHT.contains(text[after])
    )


def strip_invisible(value: str) -> str:
    """`value` without default-ignorable and format characters (ZWNJ/ZWJ kept where a script
    needs them)."""
    if value.isascii():  # no ASCII character is invisible (tests/signatures/test_fast_checks.py)
        return value
    if ZWNJ in value or ZWJ in value:
        value = "".join(ch for i, ch in enumerate(value) if ch not in (ZWNJ, ZWJ) or _joiner_is_needed(value, i))
        keep = {ZWNJ, ZWJ} & set(value)
        table = {cp: repl for cp, repl in _STRIP_TABLE.items() if chr(cp) not in keep}
        return value.translate(table)
    return value.translate(_STRIP_TABLE)


def clean_name_text(value: str) -> str:
    """Free text (a name, a title, an organization) as a reader sees it: invisible characters
    removed, NFKC-normalised, white space trimmed and folded to single spaces.

    Invisible characters go first, because one between a letter and its accent would stop NFKC
    from composing them; NFKC can itself produce a few (a half-width Hangul filler), so the
    strip runs again after it.
    """
    value = strip_invisible(unicodedata.normalize("NFKC", strip_invisible(value)))
    return " ".join(value.split())


def skeleton(text: str) -> str:
    """The Unicode TS #39 skeleton (section 4, internalSkeleton): NFD, default-ignorables
    removed, each character replaced by its prototype from confusables.txt, NFD again. Two
    strings that look alike have the same skeleton: "F\u0430mous" (Cyrillic а) and "Famous"
    both give "Farnous". Not for display."""
    return _SPOOF_CHECKER.getSkeleton(0, text)


def _fold(text: str) -> str:
    """Lower-case letters and digits: accents dropped, punctuation and symbols to spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Marks left after that (Indic vowel signs) belong to their word, as letters do.
    return "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in stripped.casefold())


def _lower_as_seen(text: str) -> str:
    """Lower-case each capital as the letter it looks like: Cyrillic "М" reads as "M", so it
    becomes "m" (its own lower case, "м", looks like nothing Latin). A capital that looks like I
    becomes "i", as a Latin I does."""
    out = []
    for ch in text:
        lower = ch.casefold()
        if lower != ch:
            seen = skeleton(ch)
            lower = "i" if seen == "l" else seen.casefold()
        out.append(lower)
    return "".join(out)


def _case_blind_skeleton(text: str) -> str:
    """The skeleton of `text` lower-cased as seen, repeated until nothing changes (the mapping
    can yield a capital: "0" gives "O"). Two or three rounds at most."""
    for _ in range(4):
        folded = skeleton(_lower_as_seen(unicodedata.normalize("NFKC", text)))
        if folded == text:
            break
        text = folded
    return text


def _word_keys(text: str) -> list[str]:
    return _fold(_case_blind_skeleton(strip_invisible(text))).split()


# Titles that say nothing about who someone is, compared in key form ("mr" becomes "rnr").
HONORIFICS = frozenset("dr prof professor mr mrs ms mx sir dame phd md jr sr".split())
_HONORIFIC_KEYS = frozenset(key for word in HONORIFICS for key in _word_keys(word))

NAME_KEY_MAX = 100


# ASCII text goes through `_word_keys` a character at a time: nothing in it is invisible or
# changed by NFKC, and each character's case-blind skeleton is ASCII again (checked here), so a
# table of the 128 answers gives the same words without the Unicode machinery.
_ASCII_KEYS = {cp: _fold(_case_blind_skeleton(chr(cp))) for cp in range(128)}
if not all(key.isascii() for key in _ASCII_KEYS.values()):  # new confusables data: no shortcut
    _ASCII_KEYS = None


@lru_cache(maxsize=50_000)
def _token_keys(token: str) -> tuple[str, ...]:
    """The word keys of one run of text without white space. Every step of `_word_keys` works
    within such a run (white space neither composes with a neighbour nor takes part in a
    joiner's context, and becomes a word break), so a name's words are its runs' words; first
    names and surnames repeat, and an import of thousands of names computes each once."""
    if _ASCII_KEYS is not None and token.isascii():
        return tuple(token.translate(_ASCII_KEYS).split())
    return tuple(_word_keys(token))


def name_key(name: str) -> str:
    """A key equal for names a reader would take for the same name: differing only in case,
    accents, punctuation, honorifics, word order, invisible characters or look-alike letters
    from another script. "Dr. José  García", "garcia, jose" and "Garc\u0456a Jose" (Cyrillic і)
    share one; so do "Famous Person", "Famous Per\u200bson" and "F\u0430mous Person".

    The key is a skeleton, not text to show: "Famous Person" gives "farnous person".
    """
    words = [word for token in name.split() for word in _token_keys(token) if word not in _HONORIFIC_KEYS]
    return " ".join(sorted(words))[:NAME_KEY_MAX]


def organization_key(name: str) -> str:
    """An organization's name folded for lookup: case, accents, punctuation and spacing do not
    count ("Université de Genève" and "universite de geneve"). Aliases cover other spellings."""
    return " ".join(_fold(clean_name_text(name)).split())
