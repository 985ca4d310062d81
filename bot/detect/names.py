"""Names the gazetteer lacks: the capitalised runs of a text that stand for a company or body.

A dispute between two companies nobody has heard of is still a dispute, so the sides of a story
are not only the gazetteer's entries. A name is a run of capitalised words ("Fenwick Mobile",
"Anna's Archive", "Cards Against Humanity", "Caisse des Dépôts"), kept whole. What looks like a
name but is not one is left out: the first word of a sentence when it is a common word
("Publishers sue…", "Court rules…"), every word of a Title Case headline (unless the summary
writes the same words capitalised in mid-sentence), product words after a known company
("Apple Watch"), units and technology acronyms ("MW", "TV"), nationalities, months, and the
people a role word introduces ("Judge Jane Roe").
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from bot.detect.entities import fold

# A capitalised word: letters, digits and the joiners names use ("AT&T", "Yahoo!", "X.com").
_WORD = re.compile(r"[^\W_][\w&.'’+!-]*")
_CAP_START = re.compile(r"[A-ZÀ-ÖØ-Þ0-9]")
# French elision before a name ("l'Arcep", "d'OpenAI") is not part of it.
_ELISION = re.compile(r"^(?:[LlDdJjNnSs]|[Qq]u|[Jj]usqu|[Ll]orsqu)['’]")
# Amounts ("$69bn", "302.4M") and contractions ("We've") are no names.
_NOT_A_NAME = re.compile(
    r"^\d[\d.,]*(?:bn|mn|mds?|mrds?|[kmbt])$|['’](?:ve|re|ll|d|m)$|n['’]t$|\.(?:com|fr|net|org|io)$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s?$")
# What may join the words of one name: a space, " & ", or a lower-case particle between two
# capitalised words ("Bank of America", "Caisse des Dépôts").
_JOINERS = frozenset({" ", " & ", " and "})
_PARTICLES = frozenset({"of", "de", "du", "des", "la", "for", "van", "von", "der"})
# What ends a sentence (or opens a quotation or a title) before a word.
_SENTENCE_MARKS = frozenset('.:!?"“”«»‘(|')
_INNER_CAP = re.compile(r"^[^\W\d_]+?[A-Z]")
_LETTER = re.compile(r"[^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_]{3,}")
_MAX_NAMES = 4
# How far from a dispute phrase a name in a summary may stand and still be one of its sides.
_NEAR_CHARS = 40
# Between a known company and the next capitalised word, these make the word its product.
_PRODUCT_GAPS = frozenset({"", " ", "'s ", "’s "})


@dataclass(frozen=True, slots=True)
class NameWords:
    """The word lists (per language) that tell a name from a capitalised common word."""

    common: frozenset[str]
    lead: frozenset[str]
    not_names: frozenset[str]
    products: frozenset[str]
    roles: frozenset[str]
    small: frozenset[str]
    subject_verbs: frozenset[str]
    # Derived once: what may end a run but is no part of a name, and every generic word.
    trailing: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()


@functools.cache
def name_words() -> NameWords:
    """Load the word lists of bot/detect/data/name_words.json (all languages together)."""
    raw = json.loads(
        resources.files("bot.detect").joinpath("data/name_words.json").read_text("utf-8")
    )

    def words(key: str) -> frozenset[str]:
        out: set[str] = set()
        for lang_words in raw[key].values():
            out.update(fold(str(w)) for w in lang_words)
        return frozenset(out)

    common, lead, products = words("common"), words("lead"), words("products")
    return NameWords(
        places=words("places"),
        trailing=products | lead,
        generic=common | lead | products,
        common=common,
        lead=lead,
        not_names=words("not_names"),
        products=products,
        roles=words("roles"),
        small=words("small"),
        subject_verbs=words("subject_verbs"),
    )


@dataclass(slots=True)
class _Run:
    start: int
    end: int
    words: list[tuple[int, int]]
    at_sentence_start: bool


def _opens_sentence(text: str, pos: int) -> bool:
    """Say whether a word at pos opens a sentence (so it is capitalised whatever it is)."""
    before = text[:pos].rstrip()
    if not before:
        return True
    last = before[-1]
    if last in _SENTENCE_MARKS:
        return True
    spaced = len(before) < 2 or before[-2].isspace()
    return (last in "-–—" and len(before) >= 2 and before[-2].isspace()) or (
        last in "'’" and spaced
    )


def _runs(text: str, taken: Sequence[tuple[int, int]]) -> list[_Run]:
    """Split text into runs of capitalised words outside the known mentions."""
    runs: list[_Run] = []
    cur: _Run | None = None
    pending_particle = False
    prev_end = 0
    for m in _WORD.finditer(text):
        s, e = m.span()
        word = m.group()
        elided = _ELISION.match(word) if ("'" in word or "’" in word) else None
        if elided is not None and e - s > elided.end():
            s += elided.end()
            word = word[elided.end() :]
        gap = text[prev_end:s]
        first = word[0]
        capitalised = (
            (first.isupper() or first.isdigit())
            and _CAP_START.match(word) is not None
            and (not word[0].isdigit() or len(_LETTER.findall(word)) >= 2)
            and _NOT_A_NAME.search(word) is None
        )
        if capitalised and not any(ts <= s < te for ts, te in taken):
            joined = cur is not None and (
                gap in _JOINERS or (pending_particle and gap.strip() == "")
            )
            if cur is not None and joined:
                cur.end = e
                cur.words.append((s, e))
            else:
                cur = _Run(s, e, [(s, e)], _opens_sentence(text, s))
                runs.append(cur)
            pending_particle = False
        elif cur is not None and word in _PARTICLES and gap == " " and not pending_particle:
            pending_particle = True
            prev_end = e
            continue
        else:
            cur = None
            pending_particle = False
        prev_end = e
        if cur is not None and text[e : e + 1] in ',;:!?()"“”«»':
            cur = None
    return runs


def _clean(text: str, run: _Run, nw: NameWords) -> str | None:
    """Return the name a run stands for, or None when it is no party."""
    spans = list(run.words)
    if fold(text[spans[0][0] : spans[0][1]]) in nw.roles:
        return None  # "Judge Jane Roe": the person a role introduces is not a side
    # Leading words that open a sentence or introduce the name are not part of it.
    while spans and fold(_POSSESSIVE.sub("", text[spans[0][0] : spans[0][1]])) in nw.lead:
        spans.pop(0)
        run.at_sentence_start = False
    while spans and fold(text[spans[-1][0] : spans[-1][1]]) in nw.trailing:
        spans.pop()
    if not spans:
        return None
    words = [text[s:e] for s, e in spans]
    if len(words) == 1:
        word = words[0].rstrip(".!")
        key = fold(_POSSESSIVE.sub("", word))
        if run.at_sentence_start and (key in nw.common or not _subject(text, run, nw)):
            return None
        if key in nw.common and not word[1:].isupper():
            # A capitalised common word in mid-sentence is still a common word ("Senate").
            return None
    name = text[spans[0][0] : spans[-1][1]]
    name = _POSSESSIVE.sub("", name.rstrip(".!,"))
    key = fold(name)
    if len(name) < 2 or key in nw.not_names or key in nw.roles or key in nw.common:
        return None
    if all(fold(w) in nw.generic for w in name.split()):
        return None
    return name


def _title_parts(text: str, run: _Run, support: str) -> list[_Run]:
    """Return the longest stretches of a Title Case run that the summary writes as names."""
    parts: list[_Run] = []
    words = run.words
    i = 0
    while i < len(words):
        for j in range(len(words), i, -1):
            if _supported(text[words[i][0] : words[j - 1][1]], support):
                start, end = words[i][0], words[j - 1][1]
                parts.append(_Run(start, end, words[i:j], at_sentence_start=False))
                i = j
                break
        else:
            i += 1
    return parts


def _subject(text: str, run: _Run, nw: NameWords) -> bool:
    """Say whether a verb follows the run, as after the subject of a sentence ("Zorbly sues")."""
    nxt = _WORD.match(text, run.end + 1) if text[run.end : run.end + 1] == " " else None
    if nxt is None:
        return text[run.end : run.end + 2] in ("'s", "’s")
    return fold(nxt.group()) in nw.subject_verbs


def _supported(name: str, support: str) -> bool:
    """Say whether the summary writes name capitalised in mid-sentence."""
    at = support.find(name)
    while at >= 0:
        if not _opens_sentence(support, at):
            return True
        at = support.find(name, at + 1)
    return False


def is_title_case(text: str) -> bool:
    """Say whether every content word of text is capitalised (a Title Case Headline).

    Headlines dense with names ("Fenwick Mobile sues Brightline Systems") have a lower-case
    verb; Title Case has none, small function words aside ("Texas Sues Roblox over Safety").
    """
    small = name_words().small
    for w in _LETTERS.findall(text):
        # A lower-case content word ends it at once; "iOS" and small words do not count.
        if w[0].islower() and not _INNER_CAP.search(w) and fold(w) not in small:
            return False
    return any(w[0].isupper() for w in _LETTERS.findall(text))


def unknown_names(
    text: str,
    taken: Sequence[tuple[int, int]],
    *,
    support: str = "",
    near: Sequence[tuple[int, int]] | None = None,
) -> list[str]:
    """Return the names of text the gazetteer lacks, in order of appearance.

    taken holds the spans of known mentions: a run right after one names its product
    ("Apple Watch"), not a party. In Title Case every word is capitalised, so a run counts only
    when support (the item's summary) writes it capitalised in mid-sentence. With near, only
    names within a few words of one of those spans count (a summary names many bystanders).
    """
    nw = name_words()
    title_case = is_title_case(text)
    names: list[str] = []
    for run in _runs(text, taken):
        if near is not None and not any(
            s - _NEAR_CHARS <= run.end and run.start <= e + _NEAR_CHARS for s, e in near
        ):
            continue
        before = text[: run.start]
        if any(
            0 <= run.start - te <= 3 and text[te : run.start] in _PRODUCT_GAPS for _, te in taken
        ):
            continue
        role = re.search(r"(\w+)\W*$", before)
        if role is not None and fold(role.group(1)) in nw.roles:
            continue
        for part in _title_parts(text, run, support) if title_case else [run]:
            name = _clean(text, part, nw)
            if name is not None and name not in names:
                names.append(name)
    return names[:_MAX_NAMES]
