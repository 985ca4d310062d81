"""Extractive summaries: a few clean sentences that carry the dispute, its parties and facts.

Pure functions. The summary keeps the sentences with dispute signals, parties, dates and amounts
(then restores their original order so it reads naturally) and never shows feed boilerplate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from bot.detect.abbreviations import is_abbreviation
from bot.stories.cluster import terms
from bot.stories.parties import aliases
from bot.stories.text import fold, words

MAX_CHARS = 400
MAX_SENTENCES = 3
MIN_SENTENCE_CHARS = 30  # shorter ones are fragments unless nothing else is left
MAX_BOILERPLATE_LINE = 120
TEASER_CHARS = 300  # less plain text than this is a teaser; the article page may say more

DISPUTE_CONCEPTS = frozenset(
    [
        "drop",
        "sue",
        "lawsuit",
        "fine",
        "ban",
        "block",
        "remove",
        "court",
        "judge",
        "antitrust",
        "settle",
        "appeal",
        "threat",
        "investigation",
        "close",
        "cut",
        "suspend",
        "reject",
    ]
)
_MONTHS = frozenset(f"m{n:02d}" for n in range(1, 13))

_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009\u2007]+")
_SPACE_BEFORE_STOP = re.compile(r" ([.,])(?=\s|$)")
_SENTENCE_START = r"(?:^|(?<=[.!?…\"”»)\]] ))"


@dataclass(frozen=True, slots=True)
class BoilerplateForm:
    """One kind of feed boilerplate, read from data/boilerplate.json."""

    name: str
    lang: str
    kind: str  # line, lead, inline, tail or sentence
    regex: re.Pattern[str]


_KINDS = frozenset({"line", "lead", "inline", "tail", "sentence"})


@cache
def boilerplate_forms() -> tuple[BoilerplateForm, ...]:
    """The boilerplate forms of the data file, compiled once."""
    raw = json.loads((files("bot.stories") / "data" / "boilerplate.json").read_text("utf-8"))
    forms: list[BoilerplateForm] = []
    for entry in raw["forms"]:
        kind = entry["kind"]
        if kind not in _KINDS:
            raise ValueError(f"boilerplate form {entry['name']}: unknown kind {kind}")
        flags = 0 if entry.get("case") == "exact" else re.IGNORECASE
        pattern = entry["pattern"]
        if kind == "lead":
            pattern = f"{_SENTENCE_START}(?:{pattern})\\s*"
        regex = re.compile(pattern, flags)
        forms.append(BoilerplateForm(entry["name"], entry["lang"], kind, regex))
    return tuple(forms)


def _forms(kind: str) -> tuple[re.Pattern[str], ...]:
    return tuple(f.regex for f in boilerplate_forms() if f.kind == kind)


_SENTENCE_END = re.compile(
    r"([.!?…]+)((?:\s?[\"»”’)\]])*)(\s+)(?=[«\"“'(\[]?\s*[A-ZÀ-ÖØ-Þ0-9«\"“])"
)
_LAST_TOKEN = re.compile(r"(\S+)$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DAY_MONTH = re.compile(r"\b\d{1,2}(st|nd|rd|th|er)?\b")
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.\s\u00a0\u202f]*\s?([$€£]|dollars?|euros?|usd|eur|million|milliards?"
    r"|billion|bn|m\$|md)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“”«»\"]")
_END_PUNCT = ".!?…»”\"')"


@dataclass(frozen=True, slots=True)
class _Sentence:
    pos: int
    text: str
    score: float
    dispute: float  # the part of the score that says there is a dispute and who is in it


def _is_boilerplate_line(line: str) -> bool:
    # Feed text often arrives as one long line: only a short line can be boilerplate as a whole.
    return len(line) <= MAX_BOILERPLATE_LINE and any(p.fullmatch(line) for p in _forms("line"))


def is_boilerplate_sentence(sentence: str) -> bool:
    """Say whether a sentence is boilerplate as a whole (affiliate note, caption, prompt)."""
    return any(p.search(sentence) for p in _forms("sentence"))


def _clean_line(line: str) -> str:
    for pattern in _forms("tail"):
        match = pattern.search(line)
        if match is not None:
            line = line[: match.start()]
    for kind in ("lead", "inline"):
        for pattern in _forms(kind):
            line = _SPACES.sub(" ", pattern.sub(" ", line)).strip()
    # What a removed piece leaves before a full stop or comma ("on the App Store [Direct Link].").
    line = _SPACE_BEFORE_STOP.sub(r"\1", line)
    sentences = split_sentences(line)
    if any(is_boilerplate_sentence(s) for s in sentences):
        line = " ".join(s for s in sentences if not is_boilerplate_sentence(s))
    return _SPACES.sub(" ", line).strip(" |•·-–—")


def clean_text(text: str) -> str:
    """Remove feed boilerplate (lead-ins, footers, credits, read more...) from plain text.

    The forms are data (`data/boilerplate.json`), EN, FR and language-neutral ones together:
    a feed's language tag is often wrong, and a form of one language never matches the other.
    """
    lines: list[str] = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line or _is_boilerplate_line(line):
            continue
        line = _clean_line(line)
        if line and not _is_boilerplate_line(line):
            lines.append(line)
    return "\n".join(lines)


def _is_abbreviation(before: str, punct: str) -> bool:
    if punct != ".":
        return False
    match = _LAST_TOKEN.search(before)
    if not match:
        return False
    token = match.group(1).lstrip("(«\"“'")
    return is_abbreviation(token)


def _inside_quote(text: str) -> bool:
    opened = text.count("“") + text.count("«")
    closed = text.count("”") + text.count("»")
    return opened > closed


def _inside_brackets(before: str, after: str) -> bool:
    """A full stop inside brackets that close later ("NY (pop. 5,079) would…") ends nothing."""
    return before.count("(") > before.count(")") and ")" in after


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences; abbreviations, initials and « » quotes stay whole."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = _SPACES.sub(" ", paragraph).strip()
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            before = paragraph[start : match.start()]
            if (
                _is_abbreviation(before, match.group(1))
                or _inside_quote(before + match.group(2))
                or _inside_brackets(before + match.group(2), paragraph[match.end() :])
            ):
                continue
            sentence = paragraph[start : match.end(2)].strip()
            if sentence:
                out.append(sentence)
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            out.append(rest)
    return out


def _is_heading(sentence: str) -> bool:
    return not sentence.endswith(tuple(_END_PUNCT)) and len(sentence) < 160


def _dispute_score(
    sentence: str, found: set[str], party_names: Sequence[str], signals: Sequence[str]
) -> float:
    folded = fold(sentence)
    score = 2.0 if found & DISPUTE_CONCEPTS else 0.0
    if any(sig and sig in folded for sig in signals):
        score += 1.0
    named = {p for p in party_names if re.search(rf"\b{re.escape(p)}\b", folded)}
    return score + 1.5 * min(len(named), 2)


def _sentence(
    sentence: str, pos: int, party_names: Sequence[str], signals: Sequence[str]
) -> _Sentence:
    found = set(terms(sentence))
    dispute = _dispute_score(sentence, found, party_names, signals)
    score = dispute
    if found & _MONTHS or (_YEAR.search(sentence) and _DAY_MONTH.search(sentence)):
        score += 1.0
    if _AMOUNT.search(sentence):
        score += 1.0
    if _QUOTE.search(sentence):
        score += 0.5
    if len(sentence) < 40:
        score -= 1.5
    elif len(sentence) > 300:
        score -= 1.0
    return _Sentence(pos, sentence, score + _lead_bonus(pos), dispute)


def _is_cut(sentence: str) -> bool:
    """Say whether the publisher cut the sentence short ("... in several Texas...")."""
    return sentence.rstrip(".!?»”\"') ").endswith(("…", "...")) or not sentence.endswith(
        tuple(_END_PUNCT)
    )


def _lead_bonus(pos: int) -> float:
    # News puts the essentials first.
    return 1.0 / (1 + pos / 2)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def summarize(
    text: str,
    *,
    title: str = "",
    parties: Sequence[str] = (),
    signals: Sequence[str] = (),
    max_chars: int = MAX_CHARS,
    max_sentences: int = MAX_SENTENCES,
) -> str:
    """Return up to 3 complete sentences (at most `max_chars`), the dispute's sentence first.

    `parties` are canonical names (their aliases count too); `signals` are detector phrases.
    The sentence that best carries the dispute (its terms, signals, parties) leads; the others
    follow in their original order. Falls back to the title when the text has nothing usable.
    """
    sentences = [s for s in split_sentences(clean_text(text)) if not _is_heading(s)]
    whole = [s for s in sentences if not _is_cut(s)]
    sentences = whole or sentences
    title_terms = terms(title)
    if len(sentences) > 1 and title_terms:
        # A sentence that only repeats the headline adds nothing under it.
        distinct = [
            s for s in sentences if len(terms(s) - title_terms) > max(1, len(terms(s)) // 4)
        ]
        sentences = distinct or sentences
    if not sentences:
        return _truncate(clean_text(title) or title.strip(), max_chars)
    substantial = [s for s in sentences if len(s) >= MIN_SENTENCE_CHARS]
    if len(substantial) >= 2:
        sentences = substantial
    party_names = [fold(a) for p in parties for a in aliases(p) if len(a) > 1]
    folded_signals = [fold(s) for s in signals]
    scored = [_sentence(s, pos, party_names, folded_signals) for pos, s in enumerate(sentences)]
    chosen: list[_Sentence] = []
    used = 0
    for sentence in sorted(scored, key=lambda s: (-s.score, s.pos)):
        if len(chosen) >= 2 and sentence.score <= _lead_bonus(sentence.pos):
            break  # a third sentence must carry something, not just come early
        extra = len(sentence.text) + (1 if chosen else 0)
        if used + extra <= max_chars:
            chosen.append(sentence)
            used += extra
        if len(chosen) >= max_sentences:
            break
    if not chosen:
        best = min(scored, key=lambda s: (-s.dispute, -s.score, s.pos))
        return _truncate(best.text, max_chars)
    lead = min(chosen, key=lambda s: (-s.dispute, s.pos))
    rest = sorted((s for s in chosen if s is not lead), key=lambda s: s.pos)
    return " ".join(s.text for s in [lead, *rest])


def richest_text(title: str, summary: str = "", content: str = "") -> str:
    """The fullest text an entry offers: its content, else its summary, else its title."""
    clean_content, clean_summary = clean_text(content), clean_text(summary)
    if clean_content and len(clean_content) >= len(clean_summary):
        return content
    return summary if clean_summary else title


def is_teaser(text: str) -> bool:
    """Say whether text is too short to summarise well (the article may say more)."""
    return len(" ".join(words(clean_text(text)))) < TEASER_CHARS
