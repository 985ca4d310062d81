"""Word-start keys of a rule: which rules can match a text, found without running them.

Most rules start with ``\\b`` and a few letters ("blocks", "cut off", "sue"). Their keys are
the first letters (up to three) that any match starts with, or a whole short word followed by a
space ("no " for "no longer": the word "no" itself, not "now"); a text's keys are the first one
to three letters of each of its words, and its words of one or two letters followed by a space.
A rule whose keys the text lacks cannot match it, so it is skipped: a few dictionary lookups
per word instead of one regular-expression scan per rule.

Keys are read off the compiled pattern's parse tree. Whenever the tree holds something this
module does not follow (a wide character class, a back-reference, a match that need not start
a word), the rule gets no keys and always runs: a missing key can only cost time, never a match.
"""

from __future__ import annotations

import re
from typing import Any

# The stdlib's own regular-expression parser (the module behind ``re.compile``).
_parser: Any = getattr(re, "_parser", None)
_const: Any = getattr(re, "_constants", None)

KEY_LEN = 5  # text_keys spells out the five prefixes: keep the two in step
_MAX_KEYS = 5000
_SMALL_CLASS = 12
_STOP = ("stop", None)
_WORD_RUN = re.compile(r"\w+")


def text_keys(folded: str) -> frozenset[str]:
    """Return the first one, two and three characters of every word of a folded text, and
    every word shorter than that followed by a space."""
    keys: set[str] = set()
    for word in _WORD_RUN.findall(folded):
        keys.update((word[:1], word[:2], word[:3], word[:4], word[:5]))
        if len(word) < KEY_LEN:
            keys.add(word + " ")
    return frozenset(keys)


def word_keys(source: str) -> frozenset[str] | None:
    """Return the keys every match of ``source`` starts a word with, or None if unknown."""
    if _parser is None or _const is None:
        return None
    try:
        tree = _parser.parse(source)
    except re.error:
        return None
    keys: set[str] = set()
    if not _walk(list(tree), "", False, keys) or len(keys) > _MAX_KEYS:
        return None
    return frozenset(keys)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _stop(prefix: str, keys: set[str]) -> bool:
    if not prefix:
        return False
    keys.add(prefix)
    return len(keys) <= _MAX_KEYS


def _class_chars(items: list[Any]) -> list[str] | None:
    """Return the characters of a small class of literals and ranges, else None."""
    chars: list[str] = []
    for op, av in items:
        if op is _const.LITERAL:
            chars.append(chr(av))
        elif op is _const.RANGE:
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, hi + 1))
        elif op is _const.CATEGORY and av is _const.CATEGORY_DIGIT:
            chars.extend("0123456789")
        else:
            return None
        if len(chars) > _SMALL_CLASS:
            return None
    return chars


def _walk(items: list[Any], prefix: str, anchored: bool, keys: set[str]) -> bool:
    """Collect the key of every path through items; False when a path has none."""
    if len(prefix) >= KEY_LEN:
        return _stop(prefix[:KEY_LEN], keys)
    if not items:
        return _stop(prefix, keys)
    op, av = items[0]
    rest = items[1:]
    if (op, av) == _STOP:
        return _stop(prefix, keys)
    if op is _const.AT:
        if prefix and av is _const.AT_BOUNDARY:
            # After word characters, a boundary ends the word: the key is the whole word.
            return _stop(prefix + " ", keys)
        starts_word = anchored or (av is _const.AT_BOUNDARY and not prefix)
        return _walk(rest, prefix, starts_word, keys)
    if op in (_const.ASSERT, _const.ASSERT_NOT):
        return _walk(rest, prefix, anchored, keys)
    if op is _const.LITERAL:
        ch = chr(av)
        if not _is_word_char(ch):
            # The word ends here: a short one is a key of its own ("no " is the word "no").
            return bool(prefix) and _stop(prefix + " ", keys)
        if not prefix and not anchored:
            return False
        return _walk(rest, prefix + ch, anchored, keys)
    if op is _const.IN:
        chars = _class_chars(list(av))
        if chars is None:
            return _stop(prefix, keys)
        return all(_walk([(_const.LITERAL, ord(c)), *rest], prefix, anchored, keys) for c in chars)
    if op is _const.BRANCH:
        return all(_walk([*alt, *rest], prefix, anchored, keys) for alt in av[1])
    if op is _const.SUBPATTERN:
        return _walk([*av[-1], *rest], prefix, anchored, keys)
    if op in (_const.MAX_REPEAT, _const.MIN_REPEAT):
        lo, hi, sub = av
        if lo == 0 and not _walk(rest, prefix, anchored, keys):
            return False
        if hi == 0:
            return True
        # One instance, then the rest (once at most) or a stop (it may repeat).
        tail = rest if hi == 1 else [_STOP]
        return _walk([*sub, *tail], prefix, anchored, keys)
    return _stop(prefix, keys)
