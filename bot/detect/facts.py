"""Extract key facts from a story: effective dates, money amounts and direct quotes."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime

from bot.types import Amount, EffectiveDate, Facts, Quote

logger = logging.getLogger(__name__)

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|e)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "April 25, 2023", "Apr. 25", "25 April 2023", "25 avril 2023", "1er mai".
_DATE_MDY = re.compile(rf"\b(?P<month>{_MONTH_RE})\.?\s+{_DAY}\b(?:,?\s+{_YEAR})?", re.IGNORECASE)
_DATE_DMY = re.compile(rf"\b{_DAY}\s+(?P<month>{_MONTH_RE})\.?\b(?:,?\s+{_YEAR})?", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")

_CUR_SYMBOL = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CUR_WORDS = {
    "usd": "USD", "dollars": "USD", "dollar": "USD", "us$": "USD",
    "eur": "EUR", "euros": "EUR", "euro": "EUR",
    "gbp": "GBP", "pounds": "GBP", "livres": "GBP",
    "jpy": "JPY", "yen": "JPY", "inr": "INR", "rupees": "INR",
    "chf": "CHF", "cad": "CAD", "aud": "AUD", "cny": "CNY", "yuan": "CNY",
}  # fmt: skip
_SCALES = {
    "k": 1e3, "thousand": 1e3, "mille": 1e3,
    "m": 1e6, "mn": 1e6, "mln": 1e6, "million": 1e6, "millions": 1e6, "mio": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
    "md": 1e9, "mds": 1e9, "milliard": 1e9, "milliards": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12,
}  # fmt: skip
_NUM = r"\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE_RE = "|".join(sorted(_SCALES, key=len, reverse=True))
_CUR_WORD_RE = "|".join(sorted(_CUR_WORDS, key=len, reverse=True))
_SYM = r"[$€£¥₹]"
_AMOUNT_BEFORE = re.compile(
    rf"(?P<pre>(?:US|CA|A)?{_SYM}|\b(?:USD|EUR|GBP|CHF)\s?)\s?(?P<num>{_NUM})"
    rf"(?:\s?(?P<scale>{_SCALE_RE})\b(?:\s+(?:de\s+|d')?(?P<post_cur>{_CUR_WORD_RE}))?)?",
    re.IGNORECASE,
)
_AMOUNT_AFTER = re.compile(
    rf"(?<![\w$€£¥₹])(?P<num>{_NUM})\s?(?:(?P<scale>{_SCALE_RE})\s?(?:de\s+|d')?)?"
    rf"(?:(?P<sym>{_SYM})|\b(?P<word>{_CUR_WORD_RE})\b)",
    re.IGNORECASE,
)
_PERIODS = (
    ("month", r"(?:a|per|each|every|/|by the) ?month|monthly|par mois|mensuel(?:le)?s?|/mois"),
    ("year", r"(?:a|per|each|every|/) ?year|annual(?:ly)?|yearly|par an|annuel(?:le)?s?|/an"),
    ("week", r"(?:a|per|each|every|/) ?week|weekly|par semaine|hebdomadaires?"),
    ("day", r"(?:a|per|each|every|/) ?day|daily|par jour|quotidien(?:ne)?s?"),
)  # fmt: skip
_PERIOD_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _PERIODS), re.IGNORECASE)
_PERIOD_WINDOW = 90
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")

_DIGIT = re.compile(r"\d")
_QUOTE_CHAR = re.compile(r"[“«\"„]")
_QUOTE_RE = re.compile(
    r"“(?P<a>[^”\n]{3,600})”|«\s?(?P<b>[^»\n]{3,600}?)\s?»|\"(?P<c>[^\"\n]{3,600})\"|„(?P<d>[^“”\n]{3,600})[“”]"
)
_SPEECH_VERBS = (
    r"said|says|say|told|tweeted|wrote|writes|posted|added|stated|explained|argued|claimed|"
    r"according to|warned|replied|responded|declared|noted|insisted|"
    r"a déclaré|a dit|dit|déclare|a tweeté|tweete|a écrit|écrit|a affirmé|affirme|a expliqué|"
    r"explique|a ajouté|ajoute|a répondu|répond|a estimé|estime|a assuré|assure|selon|"
    r"en disant|a lancé|lance|a publié|a réagi|précise|a précisé|indique|a indiqué"
)
_SPEECH_RE = re.compile(rf"(?<!\w)(?:{_SPEECH_VERBS})(?!\w)", re.IGNORECASE)
_NAME_RE = re.compile(r"\b[A-Z][\w'’.-]+(?:\s+(?:de\s+|van\s+|von\s+|del\s+)?[A-Z][\w'’.-]+){0,3}")
_NOT_NAME_LIST = [
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "As",
    "But",
    "And",
    "Or",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "En",
    "Le",
    "La",
    "Les",
    "Un",
    "Une",
    "Des",
    "Dans",
    "Selon",
    "Après",
    "Avant",
    "Mais",
    "Et",
    "Ou",
    "Pour",
    "Par",
    "Sur",
    "This",
    "That",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "Il",
    "Elle",
    "Ils",
    "Je",
    "Nous",
    "Vous",
    "On",
    "Ce",
    "Cette",
    "Suite",
    "Then",
    "Also",
    "However",
]
_NOT_NAMES = frozenset(_NOT_NAME_LIST)


def _default_year(year: int | None) -> int:
    return year if year is not None else datetime.now(UTC).year


def _extract_dates(text: str, year: int | None) -> list[EffectiveDate]:
    found: list[tuple[int, EffectiveDate]] = []
    seen: set[tuple[int, int]] = set()
    for regex in (_DATE_DMY, _DATE_MDY, _ISO_DATE):
        for m in regex.finditer(text):
            if any(s <= m.start() < e for s, e in seen):
                continue
            month_raw = m.group("month").lower()
            month = int(month_raw) if month_raw.isdigit() else _MONTHS.get(month_raw)
            if month is None:
                continue
            if month_raw == "may" and m.group("month")[0].islower():
                continue  # the verb "may"
            day = int(m.group("day"))
            y = int(m.group("year")) if m.group("year") else _default_year(year)
            try:
                when = date(y, month, day)
            except ValueError:
                continue
            seen.add((m.start(), m.end()))
            found.append((m.start(), EffectiveDate(when=when, text=m.group().strip())))
    found.sort(key=lambda x: x[0])
    out: list[EffectiveDate] = []
    for _, d in found:
        if all(d.when != o.when for o in out):
            out.append(d)
    return out


def _parse_number(raw: str) -> float | None:
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    # A separator followed by exactly three digits groups thousands; otherwise it is decimal.
    parts = re.split(r"[,. ]", s)
    seps = re.findall(r"[,. ]", s)
    if not seps:
        return float(s)
    if all(len(p) == 3 for p in parts[1:]):
        return float("".join(parts))
    if len(parts[-1]) != 3:
        head = "".join(parts[:-1])
        return float(f"{head}.{parts[-1]}")
    return float("".join(parts))


def _period_after(text: str, end: int) -> str | None:
    stop = _SENTENCE_END.search(text, end)
    hi = min(len(text), end + _PERIOD_WINDOW, stop.start() if stop else len(text))
    m = _PERIOD_RE.search(text, end, hi)
    if m is None:
        return None
    return m.lastgroup


def _amount(text: str, m: re.Match[str], currency: str) -> Amount | None:
    """Read one matched amount: its number, scale and the period that follows it."""
    value = _parse_number(m.group("num"))
    if value is None:
        return None
    scale = m.group("scale")
    if scale:
        value *= _SCALES[scale.lower()]
    return Amount(value, currency, _period_after(text, m.end()), m.group().strip())


def _extract_amounts(text: str) -> list[Amount]:
    spans: list[tuple[int, int, Amount]] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < oe and os < e for os, oe, _ in spans)

    for m in _AMOUNT_BEFORE.finditer(text):
        pre = m.group("pre").strip().upper()
        cur = _CUR_SYMBOL.get(pre[-1], pre) if pre[-1] in _CUR_SYMBOL else pre
        if pre.startswith("CA"):
            cur = "CAD"
        elif pre.startswith("A") and pre.endswith("$"):
            cur = "AUD"
        amount = _amount(text, m, cur)
        if amount is not None:
            spans.append((m.start(), m.end(), amount))
    for m in _AMOUNT_AFTER.finditer(text):
        if overlaps(m.start(), m.end()):
            continue
        sym, word = m.group("sym"), m.group("word")
        amount = _amount(text, m, _CUR_SYMBOL[sym] if sym else _CUR_WORDS[word.lower()])
        if amount is not None:
            spans.append((m.start(), m.end(), amount))
    spans.sort(key=lambda x: x[0])
    return [a for _, _, a in spans]


def _speaker(text: str, start: int, end: int) -> str | None:
    # Before the quote: "<Name>[, title,] said:" in the same sentence.
    lo = max(0, start - 160)
    before = text[lo:start]
    cut = max(before.rfind(". "), before.rfind("\n"), before.rfind("”"), before.rfind("»"))
    if cut >= 0:
        before = before[cut + 1 :]
    if _SPEECH_RE.search(before):
        for m in _NAME_RE.finditer(before):
            name = _clean_name(m.group())
            if name:
                return name
    # After the quote: "”, said <Name>" / "», a déclaré <Name>".
    after = text[end : end + 120]
    stripped = after.lstrip(" ,.–—-")
    verb = _SPEECH_RE.match(stripped)
    if verb is not None:
        found = _NAME_RE.search(stripped[verb.end() : verb.end() + 60])
        if found is not None:
            return _clean_name(found.group())
    return None


def _clean_name(raw: str) -> str | None:
    words = raw.split()
    while words and words[0] in _NOT_NAMES:
        words = words[1:]
    if not words:
        return None
    return " ".join(words).rstrip(".,'’")


def _extract_quotes(text: str) -> list[Quote]:
    out: list[Quote] = []
    for m in _QUOTE_RE.finditer(text):
        body = next(g for g in m.groups() if g is not None).strip().rstrip(",")
        # Names in quotes ("Microsoft Advertising") are not quotes: want a few words.
        if len(body.split()) < 3:
            continue
        out.append(Quote(text=body, speaker=_speaker(text, m.start(), m.end())))
    return out


def extract_facts(text: str, lang: str = "en", year: int | None = None) -> Facts:
    """Extract dates, money amounts and quotes; year fills dates written without one."""
    del lang  # The patterns cover every supported language at once.
    has_digit = _DIGIT.search(text) is not None
    return Facts(
        dates=tuple(_extract_dates(text, year)) if has_digit else (),
        amounts=tuple(_extract_amounts(text)) if has_digit else (),
        quotes=tuple(_extract_quotes(text)) if _QUOTE_CHAR.search(text) else (),
    )
