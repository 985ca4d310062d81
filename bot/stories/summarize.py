"""Extractive summaries: a few clean sentences that carry the dispute, its parties and facts.

Pure functions. The summary keeps the sentences with dispute signals, parties, dates and amounts
(then restores their original order so it reads naturally) and never shows feed boilerplate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
# Whole lines that are never content.
_BOILERPLATE_LINES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(read more|continue reading|lire la suite|en savoir plus|voir aussi|see also)\b.*$",
        r"^(by|par)\s+[\w.'’-]+(\s+[\w.'’-]+){0,3}\s*(\||,|-|–|—)?\s*[\w ,:|]*\d*\s*$",
        r"^temps de lecture.*$",
        r"^(estimated )?reading time.*$",
        r"^(publicit[ée]|advertisement|sponsored|annonce|pub)\s*:?\s*$",
        r"^((share|partager|tweet|email|e-mail|print|imprimer|copy link|copier le lien)"
        r"( (on|sur|this|cet) [\w ]+)?[\s|,•·]*)+$",
        r"^((facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|flipboard|threads|bluesky"
        r"|mastodon|email|e-mail)[\s|,•·]*){1,}$",
        r"^(image|photo|illustration|cr[ée]dits?( photo)?|credit|source)s?\s*(credits?)?\s*:"
        r"[^.!?]{0,80}$",
        r"^\d+\s+(comments?|commentaires?)\s*$",
        r"^(comments?|commentaires?|related|à lire aussi|sur le même sujet)\s*:?\s*$",
        r"^(the post|l['’]article)\b.*(appeared first on|est apparu en premier sur).*$",
    )
]
# Pieces inside a line that are never content.
_BOILERPLATE_INLINE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bthe post\b.{0,300}?\bappeared first on\b[^.\n]*\.?",
        # Related-article boxes glued into the text: "Editor's Pick <linked headline>".
        r"\b(editor['’]s picks?|related( article| story)?\s*:|also read\s*:|[àa] lire aussi\s*:)"
        r"[^.!?’”\n]{0,160}[’”]?",
        r"\bl['’]article\b.{0,300}?\best apparu en premier sur\b[^.\n]*\.?",
        r"\b(read more|continue reading|lire la suite|read the full (story|article))\b[^.\n]*"
        r"(\.|…|»|$)",
        r"\[\s*(…|\.\.\.)\s*\]|\(\s*(…|\.\.\.)\s*\)|\[\s*(read more|lire la suite)\s*\]",
        r"\((photo|image|credit|crédit)[^)]{0,120}\)",
        r"https?://\S+",
        r"(temps de lecture|reading time)( estim[ée])?\s*:?\s*(environ\s*)?\d+\s*min\.?",
        r"^\s*(enlarge|agrandir)\b\s*",
        r"^\s*(illustration|photo|photograph|image|photo illustration)\s+(by|par)\s+[^/.]{1,80}?"
        r"(/|\bfor\b|\bpour\b)\s*(the\s+)?[\w-]+\s*",
        r"\b(photo|image|illustration)\s*(credits?)?\s*:\s*(getty images|shutterstock|afp|reuters"
        r"|ap photo|bloomberg)[^.]{0,40}?(?=\s+[A-Z])",
    )
]
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mme",
        "mlle",
        "mm",
        "av",
        "env",
        "cf",
        "p",
        "art",
        "gen",
        "gov",
        "sen",
        "rep",
        "approx",
        "est",
        "dept",
        "u.s",
        "u.k",
        "u.s.a",
        "e.u",
    }
)
_SENTENCE_END = re.compile(
    r"([.!?…]+)((?:\s?[\"»”’)\]])*)(\s+)(?=[«\"“'(\[]?\s*[A-ZÀ-ÖØ-Þ0-9«\"“])"
)
_LAST_TOKEN = re.compile(r"(\S+)$")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_DAY_MONTH = re.compile(r"\b\d{1,2}(st|nd|rd|th|er)?\b")
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d|\d[\d,.\s\u00a0\u202f]*\s?([$€£]|dollars?|euros?|usd|eur|million|milliards?"
    r"|billion|bn|m\$|md)\b",
    re.IGNORECASE,
)
# A caption glued to the next sentence ("... Image Credits: BMW The company said..."): the
# sentence holding it cannot be cleaned reliably, so it is left out of summaries.
_CREDIT = re.compile(
    r"\b(image|photo)\s+credits?\s*:|\bcr[ée]dits?\s+photo\s*:|\bcredit\s*:\s"
    r"|\(opens in a new window\)|\bgetty images\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“”«»\"]")
_END_PUNCT = ".!?…»”\"')"


@dataclass(frozen=True, slots=True)
class _Sentence:
    pos: int
    text: str
    score: float


def _is_boilerplate_line(line: str) -> bool:
    # Feed text often arrives as one long line: only a short line can be boilerplate as a whole.
    return len(line) <= MAX_BOILERPLATE_LINE and any(p.match(line) for p in _BOILERPLATE_LINES)


def clean_text(text: str) -> str:
    """Remove feed boilerplate (read more, bylines, share buttons, credits...) from plain text."""
    lines: list[str] = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line or _is_boilerplate_line(line):
            continue
        for pattern in _BOILERPLATE_INLINE:
            line = pattern.sub(" ", line)
        line = _SPACES.sub(" ", line).strip(" |•·-–—")
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
    return token.lower() in _ABBREVIATIONS or bool(_INITIALS.fullmatch(token))


def _inside_quote(text: str) -> bool:
    opened = text.count("“") + text.count("«")
    closed = text.count("”") + text.count("»")
    return opened > closed


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences; abbreviations, initials and « » quotes stay whole."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = _SPACES.sub(" ", paragraph).strip()
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            before = paragraph[start : match.start()]
            if _is_abbreviation(before, match.group(1)) or _inside_quote(before + match.group(2)):
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


def _score(sentence: str, pos: int, party_names: Sequence[str], signals: Sequence[str]) -> float:
    folded = fold(sentence)
    found = terms(sentence)
    score = 2.0 if found & DISPUTE_CONCEPTS else 0.0
    if any(sig and sig in folded for sig in signals):
        score += 1.0
    named = {p for p in party_names if re.search(rf"\b{re.escape(p)}\b", folded)}
    score += 1.5 * min(len(named), 2)
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
    if sentence.rstrip(".!?»”\"') ").endswith(("…", "...")):
        score -= 2.0  # a fragment cut by the publisher
    return score + _lead_bonus(pos)


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
    """Return 2-3 sentences (at most `max_chars`) of `text`, the most telling ones first picked.

    `parties` are canonical names (their aliases count too); `signals` are detector phrases.
    Falls back to the title when the text has nothing usable.
    """
    sentences = [
        s for s in split_sentences(clean_text(text)) if not _is_heading(s) and not _CREDIT.search(s)
    ]
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
    scored = [
        _Sentence(pos, s, _score(s, pos, party_names, folded_signals))
        for pos, s in enumerate(sentences)
    ]
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
        best = min(scored, key=lambda s: (-s.score, s.pos))
        return _truncate(best.text, max_chars)
    return " ".join(s.text for s in sorted(chosen, key=lambda s: s.pos))


def richest_text(title: str, summary: str = "", content: str = "") -> str:
    """The fullest text an entry offers: its content, else its summary, else its title."""
    clean_content, clean_summary = clean_text(content), clean_text(summary)
    if clean_content and len(clean_content) >= len(clean_summary):
        return content
    return summary if clean_summary else title


def is_teaser(text: str) -> bool:
    """Say whether text is too short to summarise well (the article may say more)."""
    return len(" ".join(words(clean_text(text)))) < TEASER_CHARS
