"""Extract key facts from a story: effective dates, money amounts and direct quotes.

Dates without a year are resolved against the article's publication date, by tense; amounts keep
their currency, period and ranges; quotes are full statements with a named speaker.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.detect.entities import canonical_party
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
    ("month", r"(?:a|per|each|every|/|by the) ?month|monthly|par mois|mensuel(?:le)?s?"
              r"|/ ?mo(?:is)?\b"),
    ("year", r"(?:a|per|each|every|/) ?year|annual(?:ly)?|yearly|par an|annuel(?:le)?s?"
             r"|/ ?(?:an|yr)\b"),
    ("week", r"(?:a|per|each|every|/) ?week|weekly|par semaine|hebdomadaires?"),
    ("day", r"(?:a|per|each|every|/) ?day|daily|par jour|quotidien(?:ne)?s?"),
)  # fmt: skip
_PERIOD_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _PERIODS), re.IGNORECASE)
_PERIOD_WINDOW = 90
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")

_DIGIT = re.compile(r"\d")
_CLAUSE_END = re.compile(r"[.!?;](?:\s|$)|\n")

# --- Dates -------------------------------------------------------------------------------------
# Words that say when a date without a year falls: the nearest one before the date, in its
# sentence, decides ("said on April 25 that it will stop" is past; "will stop on April 25" is
# future). Range words ("from", "until", "by") only say the date matters: the nearest occurrence
# is taken, as when nothing is said. "will"/"va" anywhere in the sentence counts when nothing is
# near.
_FUTURE_CUES = (
    r"starting|starts?|beginning|begins?|effective|as of|will|shall|set to|scheduled|slated|"
    r"plans? to|planned|expected|takes? effect|goes? into effect|next|upcoming|"
    r"à partir du|à partir de|dès le|dès|à compter du|prévue?s?|entrera|entreront|sera|seront|"
    r"va|vont|devra|devront|prochain|prochaine"
)
_RANGE_CUES = (
    r"from|until|till|through|by|before|no later than|deadline|due|"
    r"d'ici le|d'ici au|d'ici|jusqu'au|jusqu'à|avant le|du"
)
_PAST_CUES = (
    r"said|says|announced|told|wrote|tweeted|posted|was|were|had|filed|ruled|launched|released|"
    r"began|started|ended|closed|removed|banned|fined|sued|last|earlier|ago|since|"
    r"a annoncé|a déclaré|a indiqué|a dit|a écrit|a tweeté|a publié|a lancé|a été|ont été|"
    r"avait|était|avaient|étaient|dernier|dernière|depuis le|depuis|"
    r"(?:a|ont|avait|avaient) \w+[ée]e?s?|\w{3,}ed"
)
_CUE_RE = re.compile(
    rf"(?<![\w'’])(?:(?P<future>{_FUTURE_CUES})|(?P<range>{_RANGE_CUES})|(?P<past>{_PAST_CUES}))"
    rf"(?![\w'’])",
    re.IGNORECASE,
)
_YEAR_AFTER = re.compile(
    r"\W{0,3}(?:(?P<past>last year|l['’]an dernier|l['’]année dernière)|"
    r"(?P<future>next year|l['’]an prochain|l['’]année prochaine))",
    re.IGNORECASE,
)
_FUTURE_ANYWHERE = re.compile(r"\b(?:will|shall|va|vont|sera|seront|devra)\b", re.IGNORECASE)
_CUE_WINDOW = 80


def _reference_day(published: date | datetime | None) -> date:
    if published is None:
        return datetime.now(UTC).date()
    if isinstance(published, datetime):
        return published.astimezone(UTC).date() if published.tzinfo else published.date()
    return published


def _tense(text: str, start: int, end: int) -> str | None:
    """'future', 'past' or None (no telling) for the date written at text[start:end]."""
    lo = max(0, start - _CUE_WINDOW)
    clause = text[lo:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(clause)), default=0)
    clause = clause[cut:]
    cues = list(_CUE_RE.finditer(clause))
    if cues:
        last = cues[-1]
        return "future" if last.group("future") else "past" if last.group("past") else None
    stop = _CLAUSE_END.search(text, end)
    after = text[end : stop.start() if stop else len(text)][:_CUE_WINDOW]
    later = _CUE_RE.search(after)
    if later is not None and not later.group("range"):
        return "future" if later.group("future") else "past"
    if _FUTURE_ANYWHERE.search(clause) or _FUTURE_ANYWHERE.search(after):
        return "future"
    return None


def _resolve(month: int, day: int, reference: date, tense: str | None) -> date | None:
    """The occurrence of day/month nearest to the reference day that fits the tense."""
    candidates: list[date] = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if tense == "future":
        later = [c for c in candidates if c >= reference - timedelta(days=1)]
        if later:
            return min(later)
    elif tense == "past":
        earlier = [c for c in candidates if c <= reference + timedelta(days=1)]
        if earlier:
            return max(earlier)
    return min(candidates, key=lambda c: (abs((c - reference).days), c))


def _extract_dates(text: str, reference: date) -> list[EffectiveDate]:
    found: list[tuple[int, EffectiveDate]] = []
    spans: list[tuple[int, int]] = []
    for regex in (_DATE_DMY, _DATE_MDY, _ISO_DATE):
        for m in regex.finditer(text):
            if any(s <= m.start() < e for s, e in spans):
                continue
            month_raw = m.group("month").lower()
            month = int(month_raw) if month_raw.isdigit() else _MONTHS.get(month_raw)
            if month is None:
                continue
            if month_raw == "may" and m.group("month")[0].islower():
                continue  # the verb "may"
            day = int(m.group("day"))
            when: date | None
            if m.group("year"):
                try:
                    when = date(int(m.group("year")), month, day)
                except ValueError:
                    continue
            elif (said := _YEAR_AFTER.match(text, m.end())) is not None:
                # "July 1 last year" / "le 1er juillet l'an prochain"
                offset = -1 if said.group("past") else 1
                try:
                    when = date(reference.year + offset, month, day)
                except ValueError:
                    continue
            else:
                when = _resolve(month, day, reference, _tense(text, m.start(), m.end()))
            if when is None:
                continue
            spans.append((m.start(), m.end()))
            found.append((m.start(), EffectiveDate(when=when, text=m.group().strip())))
    found.sort(key=lambda x: x[0])
    out: list[EffectiveDate] = []
    for _, d in found:
        if all(d.when != o.when for o in out):
            out.append(d)
    return out


# --- Amounts -----------------------------------------------------------------------------------
_RANGE_SEP = r"(?:-|–|—|to|à|au)"
# "(about 9,000 €)" after an amount is a conversion of it, not another amount.
_CONVERSION_BEFORE = re.compile(
    r"\(\s*(?:about|around|approximately|approx\.|roughly|some|nearly|environ|soit|près de|"
    r"quelque|~|≈)?\s*$",
    re.IGNORECASE,
)
# Between two amounts of a range: "–", "to", "and"/"et" (after "between"/"entre"), a conversion.
_RANGE_GAP = re.compile(
    rf"^\s*(?:\([^()]{{0,60}}\)\s*)?(?:{_RANGE_SEP}|and|et)\s*$",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\b(?:between|entre)\s+$", re.IGNORECASE)
# "$1-2 billion", "$42,000–210,000": the high end written without its currency.
_HIGH_AFTER = re.compile(
    rf"\s?{_RANGE_SEP}\s?(?:{_SYM})?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE_RE})\b)?",
    re.IGNORECASE,
)
# "42 000 à 210 000 dollars": the low end written without its currency.
_LOW_BEFORE = re.compile(
    rf"(?<![\w$€£¥₹.,])(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE_RE}))?\s?{_RANGE_SEP}\s?$",
    re.IGNORECASE,
)
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_PERIOD_WORDS = {
    "en": {"month": "a month", "year": "a year", "week": "a week", "day": "a day"},
    "fr": {"month": "par mois", "year": "par an", "week": "par semaine", "day": "par jour"},
}
_SCALE_WORDS = {
    "en": ((1e12, "trillion", "trillion"), (1e9, "billion", "billion"),
           (1e6, "million", "million")),
    "fr": ((1e12, "billion", "billions"), (1e9, "milliard", "milliards"),
           (1e6, "million", "millions")),
}  # fmt: skip


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    value: float
    currency: str
    period: str | None
    high: float | None = None


def _parse_number(raw: str) -> float:
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


def _scaled(num: str, scale: str | None) -> float:
    value = _parse_number(num)
    return value * _SCALES[scale.lower()] if scale else value


def _period_after(text: str, end: int) -> str | None:
    stop = _SENTENCE_END.search(text, end)
    hi = min(len(text), end + _PERIOD_WINDOW, stop.start() if stop else len(text))
    m = _PERIOD_RE.search(text, end, hi)
    if m is None:
        return None
    return m.lastgroup


def _currency_before(pre: str) -> str:
    pre = pre.strip().upper()
    if pre.startswith("CA"):
        return "CAD"
    if pre.startswith("A") and pre.endswith("$"):
        return "AUD"
    return _CUR_SYMBOL.get(pre[-1], pre) if pre[-1] in _CUR_SYMBOL else pre


def _raw_amounts(text: str) -> list[_Found]:
    spans: list[_Found] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < f.end and f.start < e for f in spans)

    for m in _AMOUNT_BEFORE.finditer(text):
        if overlaps(m.start(), m.end()):
            continue  # the high end of "$42,000–$210,000", already read
        found = _Found(
            m.start(), m.end(), _scaled(m.group("num"), m.group("scale")),
            _currency_before(m.group("pre")), None,
        )  # fmt: skip
        high = _HIGH_AFTER.match(text, m.end())
        if high is not None:
            found.high = _scaled(high.group("num"), high.group("scale"))
            if high.group("scale") and not m.group("scale"):
                found.value *= _SCALES[high.group("scale").lower()]
            found.end = high.end()
        spans.append(found)
    for m in _AMOUNT_AFTER.finditer(text):
        if overlaps(m.start(), m.end()):
            continue
        sym, word = m.group("sym"), m.group("word")
        currency = _CUR_SYMBOL[sym] if sym else _CUR_WORDS[word.lower()]
        found = _Found(
            m.start(), m.end(), _scaled(m.group("num"), m.group("scale")), currency, None
        )
        low = _LOW_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if low is not None and not overlaps(low.start(), low.end()):
            found.high = found.value
            found.value = _scaled(low.group("num"), low.group("scale") or m.group("scale"))
            found.start = low.start()
        spans.append(found)
    spans.sort(key=lambda f: f.start)
    for f in spans:
        f.period = _period_after(text, f.end)
    return spans


def _merge_ranges(text: str, spans: list[_Found]) -> list[_Found]:
    """Drop conversions in brackets and join "A – B" / "between A and B" into one range."""
    out: list[_Found] = []
    for f in spans:
        prev = out[-1] if out else None
        gap = text[prev.end : f.start] if prev else ""
        if prev is not None and _CONVERSION_BEFORE.search(gap) and "\n" not in gap:
            continue  # "(about 9,000 €)"
        sep = _RANGE_GAP.match(gap) if prev is not None else None
        if prev is not None and sep is not None and prev.high is None:
            joined_by_and = re.search(r"\b(?:and|et)\s*$", gap, re.IGNORECASE) is not None
            if prev.currency == f.currency and (
                not joined_by_and or _BETWEEN.search(text, 0, prev.start)
            ):
                prev.high, prev.end, prev.period = f.high or f.value, f.end, f.period
                continue
        out.append(f)
    return out


def _scale_of(value: float, lang: str) -> tuple[float, str, str] | None:
    for size, one, many in _SCALE_WORDS["fr" if lang == "fr" else "en"]:
        if value >= size:
            return size, one, many
    return None


def _format_number(value: float, lang: str) -> str:
    if value.is_integer() and value >= 1000:
        shown = f"{int(value):,}"
    else:
        shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return shown.replace(",", "\u202f").replace(".", ",") if lang == "fr" else shown


def _format_values(values: list[float], lang: str, symbol: str) -> str:
    """ "$42,000–$210,000", "$1–2 billion", "1,2 milliard" (symbol before, English only)."""
    scale = _scale_of(values[-1], lang)
    if scale is not None and all(v >= scale[0] for v in values):
        size, one, many = scale
        numbers = "–".join(_format_number(v / size, lang) for v in values)
        return f"{symbol}{numbers} {one if values[-1] / size < 2 else many}"
    return "–".join(f"{symbol}{_format_number(v, lang)}" for v in values)


def format_amount(
    value: float, currency: str, period: str | None, high: float | None = None, lang: str = "en"
) -> str:
    """Say an amount as readers write it: "$42,000–$210,000 a month", "1,2 milliard € par an"."""
    values = [value] if high is None else [value, high]
    symbol = _SYMBOLS.get(currency)
    if lang == "fr":
        shown = f"{_format_values(values, lang, '')} {symbol or currency}"
    elif symbol:
        shown = _format_values(values, lang, symbol)
    else:
        shown = f"{_format_values(values, lang, '')} {currency}"
    if period:
        shown += " " + _PERIOD_WORDS["fr" if lang == "fr" else "en"][period]
    return shown


def _extract_amounts(text: str, lang: str) -> list[Amount]:
    return [
        Amount(
            f.value,
            f.currency,
            f.period,
            format_amount(f.value, f.currency, f.period, f.high, lang),
            f.high,
        )
        for f in _merge_ranges(text, _raw_amounts(text))
    ]


# --- Quotes ------------------------------------------------------------------------------------
MAX_QUOTES = 2
MIN_STATEMENT_WORDS = 6
_QUOTE_CHAR = re.compile(r"[“«\"„]")
_QUOTE_RE = re.compile(
    r"“(?P<a>[^”\n]{3,600})”|«\s?(?P<b>[^»\n]{3,600}?)\s?»|\"(?P<c>[^\"\n]{3,600})\"|„(?P<d>[^“”\n]{3,600})[“”]"
)
_SPEECH_VERBS = (
    r"said|says|say|told|tells|tweeted|wrote|writes|posted|added|adds|stated|states|explained|"
    r"explains|argued|argues|claimed|claims|according to|warned|warns|replied|responded|declared|"
    r"noted|notes|insisted|reports|reported|continued|concluded|asked|saying|"
    r"a déclaré|a dit|dit|déclare|a tweeté|tweete|a écrit|écrit|a affirmé|affirme|a expliqué|"
    r"explique|a ajouté|ajoute|a répondu|répond|a estimé|estime|a assuré|assure|selon|"
    r"en disant|a lancé|lance|a publié|a réagi|réagit|précise|a précisé|indique|a indiqué|"
    r"souligne|a souligné|regrette|a regretté|déplore|a déploré|confie|a confié"
)
_SPEECH_RE = re.compile(rf"(?<![\w'’])(?:{_SPEECH_VERBS})(?![\w'’])", re.IGNORECASE)


# After a speech verb, what shows it speaks of something else: a passive's agent ("asked by The
# Post": the asker is not the one who answers) or an object ("added the following wording").
_NOT_SPEECH_AFTER = re.compile(
    r"\s+by\s+(?:(?:the|a|an)\s+)?[A-Z]"
    r"|(?i:(?<=added)\s+(?:the\s+following|an?|new|this|these)\s|(?<=adds)\s+(?:an?|new)\s)"
)


def _speech_verb(text: str) -> re.Match[str] | None:
    """The first speech verb of a clause; capitalised only where it opens it ("Selon X, « … »"),
    so a name's word ("United States", "Field Notes") is no verb; never one whose agent or
    object follows it ("asked by The Post", "added the following wording")."""
    for verb in _SPEECH_RE.finditer(text):
        if _NOT_SPEECH_AFTER.match(text, verb.end()):
            continue
        if verb.group()[:1].islower() or not text[: verb.start()].strip(" ,–—-"):
            return verb
    return None


_NAME_RE = re.compile(
    r"(?<![\w'’])[A-Z][\w'’.&-]*(?:\s+(?:de\s+|du\s+|van\s+|von\s+|del\s+|of\s+(?:the\s+)?)?"
    r"[A-Z][\w'’.&-]*){0,4}"
)
_SPOKESPERSON = re.compile(
    r"\b(?i:an?|the|un|une|le|la)\s+(?:spokes(?:person|man|woman)|representative|porte-parole|"
    r"représentante?)\s+(?:for|of|at|from|de|d['’]|du|chez)\s*(?:la\s+|l['’])?(?P<name>[A-Z][\w'’.&-]*"
    r"(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’.&-]*){0,3})"
    r"|\b(?:an?|un|une)\s+(?P<org>[A-Z][\w'’.&-]*(?:\s+[\w'’.&-]+){0,2}?)\s+"
    r"(?:spokes(?:person|man|woman)|representative)\b"
)
_NOT_NAME_WORDS = (
    "The A An In On At As But And Or If When While After Before Then Also However So Yet "
    "Still This That These Those It Its He She They We I You His Her Their Our My Your "
    "One Ones Some Several Many Most Few Both Each Every Other Others All Any No None Critics "
    "Analysts Experts Users People Officials Observers Sources Insiders Fans Developers "
    "Lawyers Residents Mr Mrs Ms Dr Sir Here There Now Today Yesterday Tomorrow Meanwhile "
    "Instead Indeed Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February "
    "March April May June July August September October November December En Le La Les "
    "L' Un Une Des Du De D' Dans Selon Après Avant Mais Et Ou Pour Par Sur Avec Il Elle "
    "Ils Elles Je Nous Vous On Ce Cet Cette Ces Son Sa Ses Leur Leurs Suite Puis Enfin "
    "Plusieurs Certains Certaines Beaucoup Aucun Aucune Chacun Tous Toutes Lui Eux Ainsi "
    "Alors Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Interrogé Interrogée Contacté "
    "Contactée Q A Redditor Redditors Googler Commenter Commenters Reader Readers Source "
    "Official Insider Analyst Expert Researcher Researchers Scientist Scientists Author "
    "Authors Study Report Poster User Employee Employees Engineer Engineers Lawyer "
)
_TITLES = (
    "CEO CTO CFO COO PDG DG President Président Présidente Chairman Chairwoman Chair Senator Sen "
    "Rep Representative Judge Justice Commissioner Commissaire Minister Ministre Secretary "
    "Professor Prof Governor Gov Mayor Director Directeur Directrice Founder Cofounder Co-founder "
    "Chief Executive Officer Spokesperson Spokesman Spokeswoman Attorney General Analyst Editor "
    "Journalist Journaliste Sir Lord Dame"
)
_TITLES_SET = frozenset(_TITLES.split())
# Words that are a title on their own ("le Premier ministre"), a name's part elsewhere
# ("Premier League").
_ALONE_A_TITLE = frozenset({"Premier", "Première"})
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split()) | _TITLES_SET


_NAME_LINKS = frozenset({"of", "de", "du", "for"})


def _clean_name(raw: str) -> str | None:
    words = raw.replace("’", "'").split()
    while words and (
        words[0] in _NOT_NAMES
        or words[0].removesuffix("'s") in _NOT_NAMES
        or (words[0].endswith("ing") and len(words[0]) > 5)  # "Writing for the court, ..."
    ):
        words = words[1:]
    while (
        words
        and words[-1] in _NOT_NAMES
        and not (
            len(words) > 1 and words[-2] in _NAME_LINKS  # "Court of Justice"
        )
    ):
        words = words[:-1]
    titles = [
        i
        for i, w in enumerate(words[:-1])
        if w in _TITLES_SET and not (i and words[i - 1] in _NAME_LINKS)
    ]
    if titles:
        words = words[titles[-1] + 1 :]  # "Jumia CEO Francis Dufay" -> "Francis Dufay"
    if not words:
        return None
    name = " ".join(words).rstrip(".,'’:")
    if name.endswith("'s"):
        name = name[:-2]
    return name if len(name) > 1 and name not in _ALONE_A_TITLE else None


def _name_in(span: str, *, last: bool = False) -> str | None:
    spokes = _SPOKESPERSON.search(span)
    if spokes is not None:
        org = _clean_name(spokes.group("name") or spokes.group("org"))
        if org:
            return f"{org} spokesperson"
    names = [n for _, n in _names(span)]
    if not names:
        return None
    return names[-1] if last else names[0]


# "a Redditor", "un Googleur": one person the text does not name.
_INDEFINITE = re.compile(r"(?:^|\s)(?i:a|an|one|un|une)\s+$")
# How many words may stand between a speech verb and the name of who spoke.
_SPEAKER_GAP_WORDS = 4


# A person's affiliation after the name: "Steve Benford of the University of Nottingham",
# "Jane Roe of Example Corp's research lab" (but "Bank of America" is one name).
_AFFILIATION = re.compile(
    r"^(?P<person>[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){1,2}) of (?:the )?(?P<org>.+)$"
)
# A name right after one of these words is where someone works or is, not who they are.
_PLACE_BEFORE = re.compile(
    r"(?:^|\s)(?:at|in|of|from|for|with|on|to|à|au|aux|chez|de|du|des|dans|sur)\s+$"
)
# After a speech verb, a name after one of these is where or to whom it was said ("said in
# Example Show", "in a statement to Reuters"); "said researchers from Example Labs" is the lab.
_MEDIUM_BEFORE = re.compile(r"(?:^|\s)(?:in|on|to|dans|sur|à)\s+$")
# A French speech verb with its subject pronoun after it ("», assure-t-il"): a pronoun spoke.
_INVERTED_PRONOUN = re.compile(r"-(?:t-)?(?:il|elle|ils|elles|on)\b")


_ORG_HEAD = re.compile(
    r"\b(?:Court|Department|Ministry|Institute|Bank|Office|Board|Commission|Association|Council|"
    r"Agency|Bureau|University|Church|Federation|Union|Museum|Society|School|College|Academy|"
    r"Chamber|House|Secretary|Attorney|State|States|Republic|Kingdom|Duke|Prince|Princess|"
    r"Queen|King|City|Port|Isle|Bay|Gulf|Sea|Lake|Cape|Mount|Order|League|Party|Times|Journal)\b"
)


def _without_affiliation(name: str) -> str:
    """'Steve Benford of the University of Nottingham' -> 'Steve Benford'; a name whose first
    part is itself an institution ('European Court of Justice') stays whole."""
    m = _AFFILIATION.match(name)
    if m is None or _ORG_HEAD.search(m.group("person")):
        return name
    return m.group("person")


# "the Meta-owned company", "a Paris-based startup": a description, not a name.
_DESCRIPTIVE = re.compile(
    r"-(?:owned|backed|based|run|led|made|funded|controlled|affiliated|linked)$", re.IGNORECASE
)


def _names(span: str) -> list[tuple[re.Match[str], str]]:
    """The names in span, with their matches; a capitalised word after "a"/"an" is none, nor
    is a description ("the Meta-owned company")."""
    out: list[tuple[re.Match[str], str]] = []
    for m in _NAME_RE.finditer(span):
        name = _clean_name(m.group())
        if _DESCRIPTIVE.search(m.group()):
            continue
        if name and not (" " not in name and _INDEFINITE.search(span, 0, m.start())):
            out.append((m, _without_affiliation(name)))
    return out


# A name used as an adjective of an unnamed person: "one senior US administration official
# told", "Google engineers said", "des responsables européens ont dit".
_UNNAMED_PERSON_AFTER = re.compile(
    r"^(?:\s+[a-z][\w-]*){0,3}\s+(?:officials?|executives?|employees?|engineers?|sources?|"
    r"staffers?|insiders?|analysts?|researchers?|scientists?|lawyers?|attorneys?|leaders?|"
    r"workers?|managers?|developers?|users?|people|persons?|aides?|diplomats?|negotiators?|"
    r"investigators?|prosecutors?|regulators?|lawmakers?|legislators?|politicians?|"
    r"representatives?|members?|critics?|customers?|owners?|players?|fans?|residents?|"
    r"responsables?|salariés?|employés?|ingénieurs?|experts?|députés?|élus?|proches?)\s*$"
)

# Someone unnamed known only by whom they are near: "a source close to X", "people familiar with".
_UNNAMED_PERSON_BEFORE = re.compile(
    r"\b(?:sources?|people|persons?|someone|insiders?|officials?|employees?|proches?)\s+"
    r"(?:close\s+to|familiar\s+with|at|inside|within|with\s+knowledge\s+of|de|du|chez)\s+"
    r"(?:the\s+|la\s+|le\s+|l['’])?$",
    re.IGNORECASE,
)


def _closest_speaker(span: str) -> str | None:
    """The name nearest the end of span that is not a place or an employer ("Jane Doe at
    Nagasaki University in Japan told" is Jane Doe), nor an adjective of someone unnamed."""
    spokes = _SPOKESPERSON.search(span)
    if spokes is not None:
        return _name_in(span)
    found = _names(span)
    if found and _UNNAMED_PERSON_AFTER.match(span[found[-1][0].end() :]):
        return None  # "… one senior US administration official told Reuters"
    if found and _UNNAMED_PERSON_BEFORE.search(span, 0, found[-1][0].start()):
        return None  # "a source close to OpenAI told the Financial Times"
    for m, name in reversed(found):
        if not _PLACE_BEFORE.search(span, 0, m.start()):
            return name
    return found[-1][1] if found else None


_YEAR_OR_HANDLE = re.compile(r"\b(?:19|20)\d\d\b|\(@\w+\)")


def _speaker_after(text: str, end: int) -> str | None:
    """'…,” said Jane Doe' / '…,” Jane Doe said' / '», a déclaré Jean Martin' / '», selon X'."""
    after = text[end : end + 160]
    if after.lstrip(' ”»"').startswith((".", "!", "?")) or text[end - 2 : end - 1] in ".!?":
        return None  # the quote ended its sentence: what follows speaks of something else
    stop = _CLAUSE_END.search(after)
    stripped = after[: stop.start() if stop else len(after)].lstrip(" ,–—-")
    verb = _speech_verb(stripped)
    if verb is None:
        return None
    before_verb = stripped[: verb.start()]
    if len(before_verb.split()) > 8 or any(c in before_verb for c in '“”«»"'):
        return None
    if _YEAR_OR_HANDLE.search(before_verb):
        # "“…” — Jane Roe (@jroe) January 31, 2024 Gurman said": a post's signature, and the
        # verb opens a new sentence about something else.
        return None
    if not before_verb.strip() and verb.group()[:1].isupper():
        # "« … » Selon La Tribune, la nouvelle …": a new sentence, about something else.
        return None
    if before_verb.strip():
        # "…,” Apple senior PR manager Nadine Haija said": the name closest to the verb.
        name = _closest_speaker(before_verb)
        if name is not None and " " not in name and _lone_opener(stripped, name):
            return None  # "“…” Take a shot every time I say …": a verb opening a sentence
        return name
    if _INVERTED_PRONOUN.match(stripped, verb.end()):
        return None  # "», assure-t-il dans Eliot Deval et vous": the show is no speaker
    return _name_after_verb(stripped[verb.end() : verb.end() + 80])


def _lone_opener(clause: str, name: str) -> bool:
    """Say whether a one-word 'name' only opens the clause, the speech verb not right after it,
    and neither the gazetteer nor its shape ("IEA", "ScienceNews") says it is a name."""
    lone = clause.lstrip().startswith(name) and not re.match(
        rf"\s*{re.escape(name)}\W*\s+(?:{_SPEECH_VERBS})\b", clause
    )
    return lone and canonical_party(name) is None and not _MARKED_NAME.search(name)


# Job titles that introduce a person after an organisation's name.
_JOB_TITLES = (
    "director|president|chairman|chairwoman|chair|head|founder|spokesperson|spokesman|"
    "spokeswoman|manager|officer|analyst|researcher|engineer|lawyer|attorney|secretary|minister|"
    "commissioner|professor|partner|lead|designer|scientist|economist|developer|counsel|"
    "adviser|advisor|executive"
)
# Lower-case job titles between an organisation and a person ("said Honda director Jane Roe").
# ("said former Apple wireless director Jaydeep Ranade": a few lower-case words ending in a role.)
_ROLE_BETWEEN = re.compile(
    r"^\s*(?:[a-z][\w-]*\s+){0,4}(?:senior|chief|vice|general|deputy|managing|co-founder|"
    rf"strategist|editor|reporter|correspondent|leader|vp|svp|evp|{_JOB_TITLES})"
    r"(?:\s+(?:of|for|at)\s+(?:the\s+)?[a-z][\w-]*){0,2}\s+$"
)


# A job title right after an organisation's name ("Example Pact co-founder …").
_ROLE_AFTER = re.compile(
    rf"\s+(?:[a-z][\w-]*\s+){{0,2}}(?:co-?founder|ceo|cto|cfo|coo|{_JOB_TITLES})\b",
    re.IGNORECASE,
)


def _name_after_verb(span: str) -> str | None:
    """'said Jane Doe' / 'said Honda director Jane Roe': the person a job title introduces."""
    spokes = _SPOKESPERSON.search(span)
    if spokes is not None:
        return _name_in(span)
    found = _names(span)
    if not found:
        return None
    first, name = found[0]
    if len(span[: first.start()].split()) > _SPEAKER_GAP_WORDS - 2:
        # "wrote the authors, who are researchers from Iowa": the speaker is not named.
        return None
    if _MEDIUM_BEFORE.search(span, 0, first.start()):
        return None  # "said in Example Show", "said … to Reuters": where, or to whom, not who
    between = span[first.end() : found[1][0].start()] if len(found) > 1 else ""
    if _ROLE_BETWEEN.match(between):
        return found[1][1]
    if _ROLE_AFTER.match(span, first.end()):
        # "says Example Pact co-founder and tribe member, Jane Roe,": the person the roles
        # describe is the first full name after them, in the same clause.
        clause_end = _CLAUSE_END.search(span, first.end())
        stop = clause_end.start() if clause_end else len(span)
        for m, later in found[1:]:
            if m.start() < stop and " " in later and not _PLACE_BEFORE.search(span, 0, m.start()):
                return later
    return name


_BRACKETS = re.compile(r"\([^()]*\)")
# An unnamed subject between a name and the speech verb speaks, not the name ("In its submission
# to UK Parliament, the company stated: “…”"; "the San Bernardino case, where he declared").
_OTHER_SUBJECT = re.compile(
    r"(?:^|,)\s*(?:(?:where|when|as|and|but|so|où|quand|et|mais)\s+)?"
    r"(?:(?:the|a|an|le|la|les|l['’]|un|une)\s+[a-zà-ÿ][\w'’-]*(?:\s+[a-zà-ÿ][\w'’-]*)?"
    r"|he|she|it|they|we|you|il|elle|ils|elles|on|vous)\s+(?:\w+\s+)?$"
)
_MARKED_NAME = re.compile(r"^[A-Z0-9&.-]{2,}$|[a-z][A-Z0-9]")  # "IEA", "ScienceNews"


def _speaker_before(text: str, previous_end: int, start: int) -> str | None:
    """'Jane Doe, the chief executive, said: “…”' / 'Selon Microsoft, « … »'."""
    lo = max(previous_end, start - 200)
    before = text[lo:start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    cut = max(cut, before.rfind("”") + 1, before.rfind("»") + 1)
    clause = _BRACKETS.sub(" ", before[cut:])
    verb = _speech_verb(clause)
    if verb is None:
        return None
    # The speaker is the name closest before the speech verb ("… such as Pope and Voltaire, who
    # once declared, “…”"), a few words from it at most ("A blog post cites UK rules as the
    # reason, saying" names no speaker), else the one after it ("Selon Microsoft, « … »").
    before_verb = _names(clause[: verb.start()])
    if _SPOKESPERSON.search(clause[: verb.start()]):
        name = _name_in(clause[: verb.start()])
    elif before_verb:
        last = before_verb[-1][0]
        gap = clause[last.end() : verb.start()]
        near = len(gap.split()) <= _SPEAKER_GAP_WORDS and not _OTHER_SUBJECT.search(gap)
        name = _closest_speaker(clause[: verb.start()]) if near else None
    else:
        name = _name_in(clause[verb.end() :])
    if name is None or " " in name:
        return name
    # A lone capitalised word opening the sentence ("Emails like this ... says") is a name
    # only when the speech verb follows it or the gazetteer knows it.
    return None if _lone_opener(clause, name) else name


# Short words a title leaves in lower case ("Request to Track", "Lord of the Rings"). Narrower
# than the headline test of bot.detect.names (is_title_case), whose small words include
# pronouns: a quote with a lower-case "us" or "we" ("Pencil us in for May 7") is speech.
_TITLE_SMALL_WORDS = frozenset(
    {
        "a", "an", "and", "as", "at", "but", "by", "de", "des", "du", "en", "et", "for", "from",
        "in", "into", "la", "le", "les", "of", "on", "or", "the", "to", "un", "une", "via", "vs",
        "with",
    }
)  # fmt: skip


def _is_title_case(words: list[str]) -> bool:
    """Say whether every word but the small ones starts with a capital (a name, not prose)."""
    letters = [w.strip("“”«»\"'‘’()[],:;") for w in words]
    letters = [w for w in letters if any(c.isalpha() for c in w)]
    big = [w for w in letters if w.lower() not in _TITLE_SMALL_WORDS]
    return len(letters) >= 3 and len(big) >= 2 and all(w[:1].isupper() for w in big)


def is_statement(quote: str, introduced: bool = False) -> bool:
    """Say whether quoted words are a statement, not a scare-quoted phrase or a name.

    A statement starts like a sentence (a lowercase start is a fragment woven into the writer's
    own sentence, unless the quote is `introduced` by a colon or by "selon X, « … »") and has at
    least six words, or four ending like a sentence.
    """
    words = quote.split()
    if _is_title_case(words) and not quote.rstrip("”\"' ").endswith((".", "!", "?")):
        return False  # "Allow Apps to Request to Track": a setting's, a product's or a work's name
    opens = quote[:1].isupper() or quote.startswith(("[", "(", "…", "..."))
    if not opens and not (introduced and len(words) >= MIN_STATEMENT_WORDS):
        return False
    if len(words) >= MIN_STATEMENT_WORDS:
        return True
    return (
        len(words) >= 4 and quote[:1].isupper() and quote.rstrip("”\"' ").endswith((".", "!", "?"))
    )


# A quote after "that"/"que" is woven into the writer's own sentence.
_WOVEN = re.compile(r"(?:\bthat|\bque|\bqu['’])\s*$", re.IGNORECASE)
# What the words just before a quote make of it, whoever said the sentence: after "to", what
# someone was told or asked ("showed instructions to “Ignore …”"); after "something like" or
# "such as", an example to try ("say something like, “ChatGPT, draw a cat.”"); after a naming
# verb, what someone called something ("calling it “the most significant release of the
# year”", "described it as", "qualifiant le projet de « … »"). None is a statement.
_NOT_A_STATEMENT_LEAD = re.compile(
    r"(?:\bto"
    r"|\b(?:(?:some|any)thing\s+like|like|such\s+as)\s*[,:]?"
    r"|\b(?:lets?|allows?|enables?)\s+(?:users?|you|people|them|customers|owners)(?:\s+to)?"
    r"|(?:\b(?:call(?:s|ed|ing)?|dub(?:s|bed|bing)?|label(?:s|led|ed|ling|ing)?|"
    r"brand(?:s|ed|ing)?|term(?:s|ed|ing)?|describ(?:e|es|ed|ing)|hail(?:s|ed|ing)?|"
    r"characteri[sz](?:e|es|ed|ing))(?:\s+(?:it|this|that|them|him|her|the\s+\w+))?"
    r"(?:\s+as)?|\b(?:qualifi(?:e|é|ée|ant|ait)|baptis(?:e|é|ée|ant)|surnomm(?:e|é|ée|ant))"
    r"(?:\s+(?:le|la|les|l['’]|cela|ça)\s*\w*)?\s+(?:de|d['’]))"
    r"(?:\s+(?:an?|the|un|une|le|la|l['’]))?)\s*$",
    re.IGNORECASE,
)
_LEAD_CHARS = 40


def _body(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).strip()


def _continuation(text: str, m: re.Match[str]) -> re.Match[str] | None:
    """The second half of a statement split by its attribution: '“A,” said X, “B.”'."""
    if not _body(m).endswith(","):
        return None
    nxt = _QUOTE_RE.search(text, m.end())
    if nxt is None or nxt.start() - m.end() > 160:
        return None
    gap = text[m.end() : nxt.start()]
    if not gap.rstrip().endswith(",") or _CLAUSE_END.search(gap) or _speech_verb(gap) is None:
        return None
    return nxt


def _extract_quotes(text: str) -> list[Quote]:
    out: list[Quote] = []
    previous_end = 0
    pos = 0
    while (m := _QUOTE_RE.search(text, pos)) is not None:
        pos = m.end()
        body = _body(m).rstrip(",")
        lo, previous_end = previous_end, m.end()
        lead = text[max(lo, m.start() - 3) : m.start()].rstrip()
        introduced = lead.endswith(":") or (lead.endswith(",") and m.group("b") is not None)
        if not is_statement(body, introduced):
            continue
        if _WOVEN.search(text, max(lo, m.start() - 8), m.start()) and (
            len(body.split()) < MIN_STATEMENT_WORDS
        ):
            continue  # "Google still notes that “Generative AI is experimental.”": a phrase
        if _NOT_A_STATEMENT_LEAD.search(text, max(lo, m.start() - _LEAD_CHARS), m.start()):
            continue  # "calling it “…”", "instructions to “…”", "say something like “…”"

        speaker = _speaker_after(text, m.end()) or _speaker_before(text, lo, m.start())
        if speaker is None:
            continue  # a statement is only worth noting with who made it
        if re.search(rf"[“\"«]\s?{re.escape(speaker)}\s?[”\"»]", text):
            continue  # the text puts the name in quotes itself: a character or a nickname
        rest = _continuation(text, m)
        if rest is not None:
            body = f"{body} … {_body(rest)}"
            pos = previous_end = rest.end()
        if any(q.text == body for q in out):
            continue  # a feed's summary repeats its content
        out.append(Quote(text=body, speaker=speaker))
        if len(out) >= MAX_QUOTES:
            break
    return out


def extract_facts(text: str, lang: str = "en", published: date | datetime | None = None) -> Facts:
    """Extract dates, money amounts and quotes.

    `published` (the article's publication time, else today) resolves dates written without a
    year; `lang` is the language amounts are written back in.
    """
    has_digit = _DIGIT.search(text) is not None
    return Facts(
        dates=tuple(_extract_dates(text, _reference_day(published))) if has_digit else (),
        amounts=tuple(_extract_amounts(text, lang)) if has_digit else (),
        quotes=tuple(_extract_quotes(text)) if _QUOTE_CHAR.search(text) else (),
    )
