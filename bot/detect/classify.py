"""Rule-based dispute detector: labels, score, parties, signals and facts of a feed item."""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.detect.abbreviations import is_abbreviation
from bot.detect.entities import (
    AUTHORITY_TYPES,
    Gazetteer,
    Mention,
    canonical_party,
    fold,
    gazetteer,
    token_spans,
)
from bot.detect.facts import extract_facts
from bot.detect.features import Evidence, NearMiss, RuleHit
from bot.detect.lang import DEFAULT_LANG, detect_lang
from bot.detect.lexicon import Lexicon, Rule, available_langs, load_lexicon
from bot.detect.model import Decision, decide
from bot.detect.names import (
    demonyms,
    group_names,
    is_person,
    name_words,
    story_span,
    unknown_names,
)
from bot.detect.prefilter import text_keys
from bot.types import LABELS, Detection, Facts, FeedItem, Label, Signal

logger = logging.getLogger(__name__)

# How much a hit counts depending on where it is: headlines decide, bodies mostly confirm.
TITLE_WEIGHT = 1.0
SUMMARY_WEIGHT = 0.6
CONTENT_WEIGHT = 0.35
CONTENT_CHARS = 1500
SUMMARY_CHARS = 400
# A label holds when the summed weight of its signals reaches this.
THRESHOLD = 1.0
# A cutoff by a government, regulator or court counts this much towards legal; the authority
# is the agent when named this many words after the phrase.
AUTHORITY_CUTOFF_WEIGHT = 1.0
_PASSIVE_AGENT_WORDS = 6
# The authority follows "by", "in", "par"… ("banned … by the Commerce Department").
_AGENT_PREP = re.compile(r"(?:^|\s)(?:by|par)\s+(?:the\s+|la\s+|le\s+|l')?$")
_PLACE_PREP = re.compile(r"\s(?:in|en|au|aux|dans)$")
# Legal signals with no tech party or tech context (a court ruling on anything) are damped.
NO_TECH_DAMPING = 0.3
_CLAUSE_BREAK = re.compile(r"[.;:!?|]|\s[-–—]\s|\bbut\b|\bmais\b")
# Where the object of a verb can no longer be: the next clause or a subordinate one.
_OBJECT_BREAK = re.compile(
    r"[,.;:!?|()]|\s[-–—]\s|\b(?:but|after|before|as|amid|following|despite|while|when|since|"
    r"because|mais|apres|avant|alors|malgre|pendant|depuis|car|face)\b"
)
_SUMMARY_CAP = 1.2
# Body rules weaker than this are passing mentions ("alleged", "arrests") and do not count.
_BODY_MIN = 0.85
_NOT_NAMES = frozenset(
    {"silicon valley", "wall street", "hollywood", "section", "internet", "web", "new york"}
    | {"dsa", "dma", "gdpr", "rgpd", "coppa", "ccpa", "ai act", "api", "apis", "sdk", "sdks"}
    | {"dmca", "cfaa", "fisa", "kosa", "osa", "lcen", "hadopi"}
)
# Laws and rights are what a dispute is about, not a side ("Digital Services Act").
_LAW_NAME = re.compile(
    r"\b(?:Act|Amendment|Directive|Regulation|Law|Code|Bill|Treaty|Convention|Loi|Règlement)$"
    r"|^(?:Section|Article|Title)\s"
)
# Between a name and the next: the next only says whose the first is ("X d'Elon Musk").
_OWNER = re.compile(r"\s*,?\s*(?:(?:propriete|owned|run|led)\s+)?(?:d'|de\s|du\s|of\s|by\s)\s*")
# A place, not a side: "in Italy", "from Belarus", "au Brésil", "aux États-Unis".
_PLACE_BEFORE = re.compile(
    r"\b(?:in|inside|from|across|throughout|to|towards|en|au|aux|dans|vers|a)\s+(?:the\s+|l'|la\s+|les\s+)?$"
)
# Where what a dispute phrase acts on ends: the next clause, or a phrase saying what about.
_NOT_OBJECT = re.compile(
    _OBJECT_BREAK.pattern + r"|\b(?:over|about|for|on|in|with|from|sur|pour|dans|avec)\b"
)
# Country initials acting at the start of a clause ("US sues…", "Citing safety, UK bans…").
_INITIALS_GOVERNMENT = {
    "US": "US government",
    "U.S.": "US government",
    "UK": "UK government",
    "U.K.": "UK government",
}
_INITIALS_ACTOR = re.compile(r"(?:^|[,:;]\s+)(US|U\.S\.|UK|U\.K\.)\s+([a-z][a-z’']*)(?!\s+court)")
_NOT_VERBS = frozenset({"and", "or", "v", "vs"})
_VERB_FORM = re.compile(r"[a-z]+(?:es|ed|s)")
# The noun a place may qualify: the next word or the one after ("Ohio retirement fund"),
# also after "'s" ("Russia's market regulator").
_PLACE_NOUN = re.compile(r"(?:'s)?\s+([\w-]+)(?:\s+([\w-]+))?")
_OF_BEFORE = re.compile(r"\b[A-Z][\w-]+ of $")
_LAST_WORD = re.compile(r"\b([A-Z][a-zà-ÿ]+) $")
# Before a name that only says what a dispute is about ("over its Zorbly app").
_TOPIC_BEFORE = re.compile(
    r"\b(?:over|of|about|into|in|at|from|on|under|during|sur|dans|en|du|des|de)\s+"
    r"(?:(?:the|its|their|his|her|a|an|le|la|les|l'|sa|son|ses|leur|leurs)\s+)?$"
)
_OWNER_AFTER = re.compile(r"s?['’]s?\s|s\s")
# Verbs of one who speaks for his company rather than acting himself.
_SPEECH_VERBS = frozenset(
    {"says", "said", "tells", "announces", "warns", "threatens", "calls", "declares", "claims"}
    | {"dit", "affirme", "annonce", "declare", "estime", "deplore", "menace", "promet"}
)
# Between the names of a list ("Zorbly, Jane Roe and Krandle").
_LIST_GAPS = frozenset({", ", " and ", ", and ", " et ", " & "})
# The word a full stop closes ("F." "Jr." "U.S."): an abbreviation's ends no clause.
_WORD_BEFORE_DOT = re.compile(r"[\w.]+$")
_NEXT_WORD = re.compile(r"[’'\"”]?\s+([\w-]+)")
_AND_BEFORE = re.compile(r"(?:\band|\bet|,)\s+$")
_POSSESSIVE_GAPS = frozenset({"'s ", "' "})
_LONG_WORD = re.compile(r"\b[^\W\d_]{4,}")
_CAP_LONG_WORD = re.compile(r"\b[A-ZÀ-Ý][^\W\d_]{3,}")
_FIRST_WORD = re.compile(r"\W*(\w[\w&.-]*)")
_DIRECT_OBJECT_WORDS = 4
_NAME_WORD = re.compile(r"\b[A-Z][a-z]")
# An app named the way Apple names products ("iZorb", "iSH"): a name though lower case first.
_I_NAME = re.compile(r"i[A-Z][A-Za-z]+")
_LOCATIVE = re.compile(
    r"\b(?:from|off|on|in|de|du|des|sur)(?:\s+(?:the|its|their|le|la|les|sa|son|ses))?\s*$"
)
_ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l", "un", "une", "des", "du"})
# Country initials that open a headline as the one acting ("US revokes…", "UK bans…").
_COUNTRY_INITIALS = frozenset({"US", "U.S.", "UK", "U.K.", "EU", "E.U."})
# "support for <Name>": the word after the object that says whose it is.
_OF_NAME = re.compile(r"\s+(?:for|of|pour|de|du)\s+(\S+)")
_ROLE_WORD_LIST = [
    "ceo",
    "cto",
    "cfo",
    "founder",
    "co-founder",
    "president",
    "judge",
    "court",
    "police",
    "senator",
    "minister",
    "ai",
    "eu",
    "us",
    "uk",
    "i",
    "a",
    "the",
    "it",
    "this",
    "that",
    "he",
    "she",
    "they",
    "we",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "il",
    "elle",
    "ils",
    "on",
    "ce",
    "cette",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "janvier",
    "fevrier",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
    "pdg",
    "ia",
    "ue",
]
_ROLE_WORDS = frozenset(_ROLE_WORD_LIST)
_COMPANY_TYPES = frozenset({"company", "person"})
# In a story's body, what a country after these only qualifies ("l'invasion de l'Ukraine").
_BODY_GENITIVE = re.compile(
    r"(?:\b(?:de|du|des|avec|via|with|of)\s+(?:la\s+|le\s+|les\s+|the\s+|l')?|\bd')$"
)
# Unless the country asks or presses ("à la demande de la Russie", "at the request of").
_ASKED_BY = re.compile(
    r"\b(?:demande|pressions?|injonction|ordre|requete|menaces?|poursuites|request|pressure|orders?|behest|threats?)\s+"
    r"(?:de|du|des|of|from)\s+(?:la\s+|le\s+|les\s+|the\s+|l')?$|\b(?:demande|ordre)\s+d'$"
)
# A report, letter or request put to an authority ("signalé à la justice française").
_REPORTED_TO = re.compile(
    r"\b(?:signale(?:e|s|es)?|signalement|transmis|transmet|transmettre|ecrire|ecrit|demande)"
    r"\b[^.;:!?]{0,40}\b(?:a|au|aux)\s+(?:la\s+|le\s+|les\s+|l')?$"
)
_REPORTED_TYPES = frozenset({"regulator", "court"})
# What a name says a thing runs on or works with ("ARM-based", "Android-powered").
_RUNS_ON = re.compile(r"-(?:based|powered|compatible|equipped)\b")
# A company a story is sourced to: the outlet that reported it ("(via Reuters)", "according to
# Bloomberg", ", reports Reuters", "selon Le Monde", "a confié à l'AFP").
_SOURCED_TO = re.compile(
    r"(?:\(via|\baccording\s+to|,\s+reports|\b(?:reported|viewed|seen|obtained)\s+by|"
    r"\bconfirmed\s+to|\bstatement\s+(?:with|to)|\binterview\s+with|\bselon|\bd'apres|"
    r"\brapporte\s+par|\b(?:confie|indique|declare|explique|precise)\s+a|\bentretien\s+(?:au|a|avec)|"
    r"\bau\s+micro\s+d[eu]|\binterroge\s+par)\s+(?:the\s+|la\s+|le\s+|les\s+|l'|au\s+)?$"
)
# The authorities that act in a story a country's name only introduces ("Brésil : la Cour…").
_KICKER_AUTHORITY = re.compile(
    r"\b(?:cour|juges?|parquet|procureurs?|gendarme|regulateur|fisc|tribunal|court|judges?|"
    r"prosecutors?|regulators?|watchdog)\b"
)
# A headline ending on a byline and a date ("… par Jane Roe - 16/09"): a show's episode.
_ROUNDUP = re.compile(r"\s[-–—]\s+\d{1,2}/\d{1,2}\s*$")


@dataclass(slots=True)
class _Segment:
    text: str
    folded: str
    starts: list[int]
    ends: list[int]
    # What the rules read: every known party but those that are only sides (US states).
    mentions: list[Mention]
    # Every known party mentioned, for the sides of a story.
    sides: list[Mention]
    weight: float
    sentence_case: bool
    keys: frozenset[str]
    # Lower case with accents kept, for rules that tell "juge" from "jugé" (same offsets);
    # made when the first such rule runs.
    lower: str | None = None


def _segment(
    text: str, weight: float, gaz: Gazetteer, around: str = "", folded: str | None = None
) -> _Segment:
    if folded is None:
        folded = fold(text)
    toks = token_spans(text)
    found = gaz.find(text, folded, toks, around)
    return _Segment(
        text=text,
        folded=folded,
        starts=[s for s, _ in toks],
        ends=[e for _, e in toks],
        mentions=[m for m in found if not m.side_only]
        if any(m.side_only for m in found)
        else found,
        sides=found,
        weight=weight,
        sentence_case=_is_sentence_case(text),
        keys=text_keys(folded),
    )


def _lower_same_length(text: str) -> str:
    """Lower-case text, keeping any character whose lower case is longer ("İ") as it is."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_sentence_case(text: str) -> bool:
    """Say whether most words are lower case (not a Title Case Headline)."""
    words = _LONG_WORD.findall(text, 1)
    if len(words) < 3:
        return False
    return len(_CAP_LONG_WORD.findall(text, 1)) / len(words) < 0.5


def _before_offset(seg: _Segment, pos: int, n_tokens: int) -> int:
    """Return the offset n_tokens words before pos."""
    idx = bisect.bisect_left(seg.starts, pos)
    return seg.starts[max(0, idx - n_tokens)] if idx > 0 else pos


def _after_offset(seg: _Segment, pos: int, n_tokens: int) -> int:
    """Return the offset just after the n_tokens-th word following pos."""
    idx = bisect.bisect_left(seg.starts, pos)
    last = min(len(seg.ends), idx + n_tokens) - 1
    return seg.ends[last] if last >= idx else pos


def _clause_start(seg: _Segment, lo: int, pos: int) -> int:
    """Move lo forward past the last clause break before pos."""
    cut = lo
    for m in _CLAUSE_BREAK.finditer(seg.folded, lo, pos):
        cut = m.end()
    return cut


def _negated(lex: Lexicon, seg: _Segment, start: int, end: int) -> bool:
    lo = _before_offset(seg, start, lex.negation_window)
    # A negation does not reach past a comma or into another clause ("refuses to X, despite").
    for brk in _OBJECT_BREAK.finditer(seg.folded, lo, start):
        lo = brk.end()
    if lex.negation.search(seg.folded, lo, start) is not None:
        return True
    # Split negation around the verb ("ne retirera pas", "n'a jamais bloqué").
    if lex.wrap_before is None or lex.wrap_after is None:
        return False
    before = lex.wrap_before.search(seg.folded, _before_offset(seg, start, 2), start)
    return before is not None and lex.wrap_after.match(seg.folded, end) is not None


def _actor(seg: _Segment, start: int, window: int) -> Mention | None:
    """Return the nearest party mentioned before start within window words, in the clause."""
    lo = _clause_start(seg, _before_offset(seg, start, window), start)
    best = None
    for m in seg.mentions:
        if m.end <= start and m.start >= lo:
            best = m
    return best


def _has_actor(rule: Rule, lex: Lexicon, seg: _Segment, start: int) -> bool:
    """Say whether the clause before start names who acts (a party, or an authority word)."""
    actor = _actor(seg, start, rule.actor_window)
    if actor is not None and (rule.actor == "party" or actor.type in AUTHORITY_TYPES):
        return True
    if rule.actor == "authority_mention":
        return False
    lo = _clause_start(seg, _before_offset(seg, start, rule.actor_window), start)
    if lex.authority_words is not None and lex.authority_words.search(seg.folded, lo, start):
        return True
    # A name opening the clause counts in sentence case, or before a lower-case verb.
    if rule.actor != "party" or not (seg.sentence_case or seg.text[start].islower()):
        return False
    # A name the gazetteer lacks opening the clause ("Zoomly pulls...") is an actor too.
    first = _FIRST_WORD.match(seg.text, lo)
    if first is not None and first.end() <= start and first.group(1) in _COUNTRY_INITIALS:
        return True
    return (
        first is not None
        and first.end() <= start
        and first.group(1)[0].isupper()
        and fold(first.group(1)) not in lex.stopwords
        and fold(first.group(1)) not in _ROLE_WORDS
    )


def _authority_acts(lex: Lexicon, seg: _Segment, start: int) -> bool:
    """Say whether the one acting before start is a regulator, court or government."""
    actor = _actor(seg, start, 8)
    if actor is not None:
        return actor.type in AUTHORITY_TYPES
    lo = _clause_start(seg, _before_offset(seg, start, 8), start)
    words = lex.authority_words
    return words is not None and words.search(seg.folded, lo, start) is not None


def _verb_position_ok(seg: _Segment, start: int) -> bool:
    """Reject a verb-like trigger that opens the text, ends a compound or is a capitalised name."""
    if not seg.text[:start].strip():
        return False
    if start > 0 and seg.text[start - 1] == "-":
        return False
    return not (seg.sentence_case and seg.text[start].isupper())


def _object_ok(rule: Rule, lex: Lexicon, seg: _Segment, gaz: Gazetteer, m: re.Match[str]) -> bool:
    kind = rule.object
    if kind is None:
        return True
    end = m.end()
    hi = _after_offset(seg, end, rule.window)
    brk = _OBJECT_BREAK.search(seg.folded, end, hi)
    if brk is not None:
        hi = brk.start()
    following = [x for x in seg.mentions if x.start >= end and x.start < hi]
    if kind == "authority":
        return any(x.type in AUTHORITY_TYPES for x in following)
    actor = _actor(seg, m.start(), 10)
    companies = [x for x in following if x.type in _COMPANY_TYPES]
    if companies and lex.own is not None:
        # A possessive right after the verb makes what follows the actor's own, even when it
        # names another company's platform ("shuts down its Android app"); only access to the
        # other party ("drops its support for Twitter", "cuts its API to Y") still counts.
        own = lex.own.search(seg.folded, end, _after_offset(seg, end, 2))
        if own is not None and own.start() - end <= 2:
            between = seg.folded[own.end() : companies[0].start]
            if lex.possessed is None or lex.possessed.search(between) is None:
                return False
    # A name the gazetteer lacks as the direct object ("lâché par Paysafe").
    if not companies and _unknown_object(rule, lex, seg, m, hi):
        return True
    if kind in ("party", "party_or_terms") and companies:
        first = companies[0]
        if actor is None or not gaz.related(first.name, actor.name):
            return True
        if kind == "party":
            return False
        # The first object is the actor's own product. Others lose something only when it is
        # a store it runs ("removes apps from the App Store") or access to it is what ends
        # ("cuts off access to Bing data"); "ends support for Windows 10" is end of life.
        if lex.access is not None and lex.access.search(seg.folded, end, first.start):
            return True
        # The actor's platform naming what runs on it ("rejects an iPhone app", "took down my
        # Chrome extension"): someone else's app, for verbs that act on others.
        if (
            not rule.names_own
            and rule.terms is not None
            and seg.folded[first.end : first.end + 1] == " "
            and rule.terms.match(seg.folded, first.end + 1) is not None
        ):
            return True
        pre = seg.folded[max(end, first.start - 12) : first.start]
        if not _LOCATIVE.search(pre):
            return False
        hi = first.start
    if kind == "party":
        return False
    # The same before the actor's own store ("won't allow Zorbly on the Play Store").
    if _unknown_object(rule, lex, seg, m, hi):
        return True
    if lex.own is not None:
        own_hi = _after_offset(seg, end, 2)
        own = lex.own.search(seg.folded, end, own_hi)
        if own is not None and own.start() - end <= 2:
            return False
    assert rule.terms is not None
    # Object words must be the direct object: a few words on, before any preposition
    # ("bans passwords for business accounts" bans no account).
    dobj_hi = min(hi, _after_offset(seg, end, _DIRECT_OBJECT_WORDS))
    if lex.prepositions is not None:
        prep = lex.prepositions.search(seg.folded, end, dobj_hi)
        if prep is not None:
            dobj_hi = prep.start()
    # The match itself may hold the object ("coupe l'accès", "cuts API access").
    term = rule.terms.search(seg.folded, m.start(), dobj_hi)
    if term is not None:
        return not (rule.names_own and _names_product(lex, seg, rule.terms, end, term))
    # Content ("episodes", "videos") counts only when someone's: "pulls Jane Doe's videos".
    if lex.named_objects is None:
        return False
    named = lex.named_objects.search(seg.folded, end, dobj_hi)
    return named is not None and _NAME_WORD.search(seg.text, end, named.start()) is not None


def _is_unknown_name(lex: Lexicon, seg: _Segment, idx: int, terms: re.Pattern[str] | None) -> bool:
    """Say whether token idx is a capitalised word that no gazetteer entry or term explains."""
    s, e = seg.starts[idx], seg.ends[idx]
    word = seg.folded[s:e]
    return (
        (seg.text[s].isupper() or _I_NAME.fullmatch(seg.text, s, e) is not None)
        and word not in lex.stopwords
        and word not in _ROLE_WORDS
        and (terms is None or terms.fullmatch(word) is None)
        and not any(x.start < e and x.end > s for x in seg.mentions)
    )


def _unknown_object(rule: Rule, lex: Lexicon, seg: _Segment, m: re.Match[str], hi: int) -> bool:
    """Say whether a rule that takes unknown objects has one before hi.

    Only after a lower-case verb: in Title Case every word looks like a name.
    """
    return (
        rule.unknown_object
        and seg.text[m.start()].islower()
        and _unknown_name(lex, seg, m.end(), hi)
    )


def _unknown_name(lex: Lexicon, seg: _Segment, lo: int, hi: int) -> bool:
    """Say whether a name the gazetteer lacks opens the words between lo and hi."""
    idx = bisect.bisect_left(seg.starts, lo)
    # The direct object only: the next word ("bans Zorbly", "stops hosting Kiwi Farms"), or
    # the one after an article ("blocks the Zorbly app"); never after "by" or "from".
    if idx < len(seg.starts) and seg.folded[seg.starts[idx] : seg.ends[idx]] in _ARTICLES:
        idx += 1
    return idx < len(seg.starts) and seg.starts[idx] < hi and _is_unknown_name(lex, seg, idx, None)


def _names_product(
    lex: Lexicon, seg: _Segment, terms: re.Pattern[str], end: int, term: re.Match[str]
) -> bool:
    """Say whether a name the gazetteer lacks qualifies the object ("kills Zorbly service").

    Looked for between the verb and the object word, and in "support for <Name>" after it.
    """
    idx = bisect.bisect_left(seg.starts, end)
    while idx < len(seg.starts) and seg.starts[idx] < term.start():
        if _is_unknown_name(lex, seg, idx, terms):
            return True
        idx += 1
    # After "support for", a capitalised word is a name even when it is also a common word.
    after = _OF_NAME.match(seg.folded, term.end())
    if after is None:
        return False
    idx = bisect.bisect_left(seg.starts, after.start(1))
    return idx < len(seg.starts) and _is_unknown_name(lex, seg, idx, None)


def _fails(rule: Rule, lex: Lexicon, seg: _Segment, gaz: Gazetteer, m: re.Match[str]) -> str | None:
    """Return the context condition a matched rule fails ("actor", "object"…), None if it fires."""
    start, end = m.start(), m.end()
    if rule.unless_before is not None:
        lo = _before_offset(seg, start, 3)
        if rule.unless_before.search(seg.folded[lo:start]):
            return "unless"
    if rule.unless_after is not None:
        hi = _after_offset(seg, end, rule.after_window)
        if rule.unless_after.search(seg.folded[end:hi]):
            return "unless"
    if rule.unless_near is not None:
        lo = _before_offset(seg, start, rule.near_window)
        hi = _after_offset(seg, end, rule.near_window)
        if rule.unless_near.search(seg.folded, lo, hi):
            return "unless"
    if rule.actor is not None and not _has_actor(rule, lex, seg, start):
        return "actor"
    if rule.unless_after_authority is not None and _authority_acts(lex, seg, start):
        hi = _after_offset(seg, end, rule.after_window)
        if rule.unless_after_authority.search(seg.folded[end:hi]):
            return "unless"
    if rule.verb and not _verb_position_ok(seg, start):
        return "verb"
    if rule.party_before:
        lo = _before_offset(seg, start, rule.party_before)
        if not any(
            x.type in _COMPANY_TYPES and x.end <= start and x.end > lo for x in seg.mentions
        ):
            return "actor"
    if not _object_ok(rule, lex, seg, gaz, m):
        return "object"
    if rule.negatable and _negated(lex, seg, start, end):
        return "negated"
    return None


def _scan(
    lex: Lexicon,
    seg: _Segment,
    gaz: Gazetteer,
    best: dict[tuple[str, Label], tuple[Signal, int]],
    where: int,
    near: list[NearMiss],
) -> list[tuple[int, int, frozenset[Label]]]:
    """Record the rules that fire in one segment; return where each fired and its labels.

    A rule whose phrase matched but whose every match failed a context condition is a near
    miss: it goes to ``near`` with the condition its first match failed.
    """
    spans: list[tuple[int, int, frozenset[Label]]] = []
    candidates = set(lex.unkeyed)
    for word_key in seg.keys:
        ids = lex.key_index.get(word_key)
        if ids is not None:
            candidates.update(ids)
    for i in sorted(candidates):
        rule = lex.rules[i]
        if rule.keys is None and rule.quick.search(seg.folded) is None:
            continue
        text = seg.folded
        if rule.exact:
            if seg.lower is None:
                seg.lower = _lower_same_length(seg.text)
            text = seg.lower
        failed: str | None = None
        for m in rule.pattern.finditer(text):
            why = _fails(rule, lex, seg, gaz, m)
            if why is not None:
                failed = failed or why
                continue
            spans.append((m.start(), m.end(), frozenset(label for label, _ in rule.labels)))
            phrase = seg.text[m.start() : m.end()].strip()
            for label, weight in rule.labels:
                w = round(weight * seg.weight, 3)
                key = (rule.id, label)
                old = best.get(key)
                if old is None or old[0].weight < w:
                    best[key] = (Signal(label=label, phrase=phrase, weight=w), where)
            break
        else:
            if failed is not None:
                near.append(NearMiss(rule.id, tuple(lb for lb, _ in rule.labels), where, failed))
    return spans


def _context(title: _Segment, unknown: list[str]) -> tuple[str, ...]:
    """Say who the headline names, for the model: known companies, an authority, other names."""
    names = {m.name for m in title.mentions if m.type in _COMPANY_TYPES}
    out = [f"co:{min(len(names), 2)}", f"unk:{min(len(unknown), 2)}"]
    if any(m.type in AUTHORITY_TYPES for m in title.mentions):
        out.append("auth")
    return tuple(out)


def _names(title: _Segment, unknown: list[str]) -> tuple[tuple[int, int], ...]:
    """Return where the headline names a side, known or not, for the model: (start, end)."""
    out = [(m.start, m.end) for m in title.sides]
    for name in unknown:
        at = title.text.find(name)
        if at >= 0:
            out.append((at, at + len(name)))
    out.sort()
    return tuple(out)


def _is_place(name: str) -> bool:
    """Say whether a name is a country, state or city ("en France", "in Texas"): no side."""
    canon = canonical_party(name)
    if canon is not None and gazetteer().entities[canon].type == "government":
        return True
    return fold(name) in name_words().places


def _real_names(names: list[str], gaz: Gazetteer) -> list[str]:
    """Drop nationalities, places, laws and non-names, and a name that is part of a longer one.

    A known party written with a stray plural or possessive "s" ("Googles") is that party.
    """
    kept: list[str] = []
    for n in names:
        key = fold(n)
        if key in _NOT_NAMES or key in demonyms() or _is_place(n) or _LAW_NAME.search(n):
            continue
        if key in name_words().first_names:
            continue  # a first name alone is part of a person's name the gazetteer took
        known = gaz.canonical(n[:-1]) if len(n) > 3 and n.endswith("s") else None
        kept.append(known if known is not None else n)
    return [n for n in kept if not any(n != o and n in o.split(" ") for o in kept)]


def _short_forms(names: list[str], segments: list[_Segment]) -> list[str]:
    """Drop the short forms of a party the story names in full ("the Commission", "the EC"
    after "the European Commission"): the same side, not another."""
    if not names:
        return names
    forms: set[str] = set()
    for seg in segments:
        for m in seg.sides:
            words = m.text.split()
            if len(words) > 1:
                forms.add(words[-1])
                forms.add("".join(w[0] for w in words if w[0].isupper()))
    return [n for n in names if n not in forms]


def _sides(
    parties: tuple[str, ...],
    gaz: Gazetteer,
    central: frozenset[str] = frozenset(),
    cutting: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """Keep the sides of the dispute, as the labelling guide lists them.

    A person is a side when no organisation is named, or when the headline has them act or
    undergo the dispute ("Zorbly founder Jane Roe sues Krandle", "Krandle sues Jane Roe"). A
    court rules on a dispute and is no side of it ("Judge blocks X's ban"), unless it is the
    one cutting a platform off (cutting: "a judge orders Zorbly suspended nationwide").
    """

    def kind(name: str) -> str | None:
        ent = gaz.entities.get(name)
        if ent is None:
            return "person" if is_person(name) else None
        return ent.type

    orgs = [p for p in parties if kind(p) not in ("person", "court")]
    people = [p for p in parties if kind(p) == "person"]
    keep = set(orgs)
    keep.update(p for p in people if not orgs or p in central)
    keep.update(p for p in parties if kind(p) == "court" and p in cutting)
    # A general body yields to the specific one named ("la justice française" and "le parquet
    # de Paris" are one side: the prosecutor's).
    keep -= {p for p in keep if p in gaz.entities and keep & set(gaz.entities[p].yields_to)}
    return tuple(p for p in parties if p in keep)


def _side_mentions(
    lex: Lexicon, segments: list[_Segment], central: frozenset[str] = frozenset()
) -> list[Mention]:
    """Return the mentions that may be sides: places and stand-ins left out.

    A country after "in", "from", "aux"… is where things happen ("fined in Italy", "au
    Brésil"), unless a cutoff word just before says it is where the cutoff holds ("banned in
    China", "bloqué en Russie"): then its government is the one cutting off. A company after a
    first name is a surname ("Harrison Ford"). A generic alias ("le gouvernement", "l'État")
    names the French government only when the headline names no other government. A country
    alone in the headline's kicker says where when the story names the court, prosecutor or
    regulator that acts ("Brésil : la Cour suprême…", "Italie : le parquet…"); in a summary, a
    country after "de", "avec", "via"… only says whose or where ("l'invasion de l'Ukraine",
    "la frontière avec le Mexique"); before a noun saying what of it is at stake it is the
    topic ("Myanmar genocide", "Ukraine documentary"), unless it acts or undergoes the dispute.
    A regulator or court a story is reported, written or put to is no side ("signalé à la
    justice", "demande à la Cour suprême").
    """
    mentions: list[Mention] = []
    kicker_end = story_span(segments[0].text)[0]
    authority = _KICKER_AUTHORITY.search(segments[0].folded, kicker_end) is not None
    for where, seg in enumerate(segments):
        for m in seg.sides:
            if m.type == "government" and (
                _in_place(lex, seg, m)
                or (where == 0 and authority and m.end <= kicker_end)
                or (
                    where > 0
                    and _BODY_GENITIVE.search(seg.folded, max(0, m.start - 20), m.start)
                    and not _ASKED_BY.search(seg.folded, max(0, m.start - 40), m.start)
                )
                or (m.name not in central and _about_noun_after(seg, m.end))
            ):
                continue
            # An authority a story is reported or written to only receives it ("signalé à la
            # justice française", "un signalement au parquet de Paris").
            if m.type in _REPORTED_TYPES and _REPORTED_TO.search(
                seg.folded, max(0, m.start - 60), m.start
            ):
                continue
            # An outlet a story is sourced to reports it ("(via Reuters)", "selon Le Monde").
            if m.type == "company" and _SOURCED_TO.search(
                seg.folded, max(0, m.start - 24), m.start
            ):
                continue
            # A name that says what something runs on describes it ("ARM-based laptops").
            if _RUNS_ON.match(seg.folded, m.end):
                continue
            # A company name after a first name is a person's surname ("Harrison Ford").
            first = _LAST_WORD.search(seg.text, max(0, m.start - 20), m.start)
            if first is not None and fold(first.group(1)) in name_words().first_names:
                continue
            mentions.append(m)
    others = {m.name for m in segments[0].sides if m.type == "government" and not m.generic}
    return [m for m in mentions if not (m.generic and others - {m.name})]


def _about_noun_after(seg: _Segment, end: int) -> bool:
    """Say whether a noun saying what is at stake follows a name ("Zorbly data")."""
    noun = _NEXT_WORD.match(seg.folded, end)
    return noun is not None and noun.group(1) in name_words().about_nouns


def _in_place(lex: Lexicon, seg: _Segment, m: Mention) -> bool:
    """Say whether a mention is a place: after "in", "from", "aux"…, not where a cutoff holds.

    A place before a noun only says where or whose ("Texas judge", "Ohio residents",
    "Russia's market regulator"), inside a longer name ("University of Minnesota") it is part
    of that name.
    """
    after = _PLACE_NOUN.match(seg.folded, m.end)
    if after is not None:
        nw = name_words()
        first, second = after.group(1), after.group(2)
        if first in nw.place_nouns or (
            second in nw.place_nouns
            and first.isalpha()
            and first not in nw.subject_verbs
            and first not in lex.stopwords
        ):
            return True
    if _OF_BEFORE.search(seg.text, max(0, m.start - 30), m.start):
        return True
    prep = _PLACE_BEFORE.search(seg.folded, max(0, m.start - 24), m.start)
    if prep is None:
        return False
    lo = _before_offset(seg, prep.start(), 3)
    return lex.cut_place is None or lex.cut_place.search(seg.folded, lo, prep.start()) is None


def _topics(segments: list[_Segment], unknown: list[str], central: frozenset[str]) -> set[str]:
    """Return the unknown names that only say what the dispute is about.

    A name after "over", "of", "into", "sur"… ("fine over bundling of Teams and Office",
    "lawsuit over the Zorbly Arena deaths") is a product, a place or an event, and so is one
    before a noun saying what of it is at stake ("Zorbly Challenge videos", "Zorbly data",
    "the Zorbly obligation"), unless the headline has it act or undergo the dispute, or it
    owns what is named ("for Zorbly's use").
    """
    topics: set[str] = set()
    for name in unknown:
        if name in central:
            continue
        for seg in segments:
            at = seg.text.find(name)
            if at < 0:
                continue
            before = seg.folded[max(0, at - 40) : at]
            end = at + len(name)
            owner = _OWNER_AFTER.match(seg.text, end) is not None
            if not owner and (
                _about_noun_after(seg, end)
                or _TOPIC_BEFORE.search(before)
                or (_AND_BEFORE.search(before) and any(t in seg.text[:at] for t in topics))
            ):
                topics.add(name)
            break
    return topics


def _add_initials_actor(seg: _Segment) -> None:
    """Add the government that country initials stand for when they act ("US sues Zorbly").

    "US" opening a clause before a verb is the US government; before a noun it only says
    whose ("US judge", "US appeals court").
    """
    nw = name_words()
    for m in _INITIALS_ACTOR.finditer(seg.text):
        verb = m.group(2)
        if any(x.start <= m.start(1) < x.end for x in seg.sides) or verb in _NOT_VERBS:
            continue
        if verb in nw.subject_verbs or (_VERB_FORM.fullmatch(verb) and verb not in nw.common):
            name = _INITIALS_GOVERNMENT[m.group(1)]
            seg.sides.append(Mention(m.start(1), m.end(1), name, "government", m.group(1)))
            seg.sides.sort(key=lambda x: x.start)
            return


_LOCAL_COURT = re.compile(r"\bcour supreme\b(?!\s+(?:des?|du|americaine|federale)\b)")


@functools.cache
def _supreme_courts() -> dict[str, str]:
    """Map each government to its supreme court, from the courts' names ("Brazil Supreme
    Court" is the Brazilian government's)."""
    gaz = gazetteer()
    out: dict[str, str] = {}
    for name, ent in gaz.entities.items():
        if ent.type != "court" or "Supreme Court" not in name:
            continue
        place = name.replace("Supreme Court of", "").replace("Supreme Court", "")
        government = gaz.canonical(place.replace("Federal", "").strip())
        if government is not None and gaz.entities[government].type == "government":
            out.setdefault(government, name)
    return out


def _add_local_court(seg: _Segment, gaz: Gazetteer) -> None:
    """Add the supreme court of the one country a French headline names ("Brésil : un juge
    de la Cour suprême ordonne…" is Brazil's), where "la Cour suprême" stands alone."""
    countries = {m.name for m in seg.sides if m.type == "government"}
    if len(countries) != 1:
        return
    court = _supreme_courts().get(next(iter(countries)))
    if court is None:
        return
    for m in _LOCAL_COURT.finditer(seg.folded):
        if not any(x.start <= m.start() < x.end for x in seg.sides):
            seg.sides.append(
                Mention(m.start(), m.end(), court, "court", seg.text[m.start() : m.end()])
            )
    seg.sides.sort(key=lambda x: x.start)


def _litigants(parties: tuple[str, ...], actors: frozenset[str], gaz: Gazetteer) -> tuple[str, ...]:
    """In a legal story, a government that sues or prosecutes is its litigant (US DOJ)."""
    out: list[str] = []
    for name in parties:
        ent = gaz.entities.get(name)
        if ent is not None and ent.litigant is not None and name in actors:
            name = ent.litigant
        if name not in out:
            out.append(name)
    return tuple(out)


def _central(
    seg: _Segment,
    spans: list[tuple[int, int]],
    unknown: list[str],
    *,
    objects: bool = True,
    subjects: bool = False,
    groups: list[tuple[int, int, str]] | None = None,
) -> frozenset[str]:
    """Return the names a headline has act or undergo one of its dispute phrases.

    The actor is the last name before the phrase in its clause, unless that name only says
    whose the one before is ("Zorbly, owned by Jane Roe, sues…", "X d'Elon Musk visé par…");
    the one undergoing it is the first name a few words after the phrase, before the next
    clause or a phrase saying what about ("sued over a film about Jane Roe"), unless it only
    says whose the next one is ("blocks Jane Roe's Zorbly"). With subjects, the actor is the
    first name of the clause instead ("Zorbly takes the US government to court" has Zorbly
    act); without objects, only actors count.
    """
    names = [(m.start, m.end, m.name) for m in seg.sides] + (groups or [])
    story_lo, story_hi = story_span(seg.text)
    for name in unknown:
        # Not in a kicker, a section or a byline ("… par Jane Roe - 16/09").
        at = seg.text.find(name, story_lo, story_hi)
        if at >= 0:
            names.append((at, at + len(name), name))
    names.sort()
    out: set[str] = set()
    for start, end in spans:
        lo = _name_clause_start(seg, _before_offset(seg, start, 8), start)
        before = [x for x in names if x[0] >= lo and x[1] <= start]
        while len(before) > 1 and _OWNER.fullmatch(seg.folded, before[-2][1], before[-1][0]):
            before.pop()
        if before:
            out.add(before[0][2] if subjects else before[-1][2])
        if not objects:
            continue
        hi = _after_offset(seg, end, 5)
        brk = _NOT_OBJECT.search(seg.folded, end, hi)
        after = [x for x in names if end <= x[0] < (brk.start() if brk is not None else hi)]
        # "blocks Elon Musk's X": the owner of what is named does not undergo it himself.
        while len(after) > 1 and seg.folded[after[0][1] : after[1][0]] in _POSSESSIVE_GAPS:
            after.pop(0)
        if after:
            out.add(after[0][2])
            # A list undergoes it whole ("sues Zorbly, Jane Roe and Krandle").
            prev = after[0]
            for x in names:
                if x[0] > prev[1] and seg.text[prev[1] : x[0]] in _LIST_GAPS:
                    out.add(x[2])
                    prev = x
    return frozenset(out)


def _name_clause_start(seg: _Segment, lo: int, pos: int) -> int:
    """Move lo past the last clause break before pos, the full stops of initials, titles and
    suffixes aside ("Jane F. Roe Jr. sues…", "U.S. sues…")."""
    cut = lo
    for m in _CLAUSE_BREAK.finditer(seg.folded, lo, pos):
        word = _WORD_BEFORE_DOT.search(seg.folded, lo, m.start()) if m.group() == "." else None
        if word is not None and is_abbreviation(word.group()):
            continue
        cut = m.end()
    return cut


def _opener(seg: _Segment) -> str | None:
    """Return the owner or executive a headline's story opens with as its subject.

    "Elon Musk drops claims…", "Elon Musk contre OpenAI : …": he is a side himself even
    next to a company of his; not when he only says whose the next is ("Elon Musk's X") or
    speaks, warns or threatens for it ("Musk says X will sue…").
    """
    lo, _ = story_span(seg.text)
    gaz = gazetteer()
    for m in seg.sides:
        if m.start < lo:
            continue
        if seg.text[lo : m.start].strip(" '\"«“‘") or m.type != "person":
            return None
        if not gaz.entities[m.name].companies or _OWNER_AFTER.match(seg.text, m.end):
            return None
        # Speaking for his company ("Musk says X will sue…", "Musk menace les annonceurs").
        verb = _NEXT_WORD.match(seg.folded, m.end)
        if verb is not None and verb.group(1) in _SPEECH_VERBS:
            return None
        return m.name
    return None


def _resolve_parties(
    mentions: list[Mention], gaz: Gazetteer, central: frozenset[str] = frozenset()
) -> tuple[str, ...]:
    """Return the parties of the mentions, an executive standing for his company.

    A group goes by its best-known company (Alphabet is Google, as people write it). A
    one-company executive is his company; one whose company is named drops out, unless
    the headline has him act or undergo the dispute himself ("Musk sues X"). A head of
    state or government is always his government ("Erdogan", "Macron").
    """
    names = list(dict.fromkeys(m.name for m in mentions))
    present = set(names)
    out: list[str] = []
    for name in names:
        ent = gaz.entities[name]
        if ent.known_as is not None:
            name = ent.known_as
        if ent.type == "person" and ent.companies:
            linked = [c for c in ent.companies if c in present]
            if len(ent.companies) == 1 and gaz.entities[ent.companies[0]].type == "government":
                # A head of state or government acts for it ("Erdogan bans…", "Macron
                # annonce l'interdiction de TikTok").
                name = ent.companies[0]
            elif linked and name not in central:
                continue
            elif len(ent.companies) == 1 and not linked:
                name = ent.companies[0]
        if name not in out:
            out.append(name)
    return tuple(out)


def _confidence(total: float) -> float:
    return round(1.0 - 0.5 ** max(total, 0.0), 3) if total > 0 else 0.0


def _authority_cutoff(
    title: _Segment,
    cuts: list[tuple[int, int]],
    best: dict[tuple[str, Label], tuple[Signal, int]],
    totals: dict[Label, float],
) -> None:
    """A government, regulator or court cutting a party off makes a legal story too.

    The guide: a platform blocked or removed by order is "usually also legal". The authority
    must act: before the phrase ("US revokes…", "Turkey blocks…") or right after a passive one
    ("banned … by the Commerce Department", "blocked in Indonesia", "privée … par l'Arcom"),
    not as a place further on ("removes VPN apps from its store in Russia").
    """
    first = _FIRST_WORD.match(title.text)
    initials = first is not None and first.group(1) in _COUNTRY_INITIALS
    for start, end in cuts:
        actor = _actor(title, start, 8)
        acts = (actor is not None and actor.type in AUTHORITY_TYPES) or (actor is None and initials)
        hi = _after_offset(title, end, _PASSIVE_AGENT_WORDS)
        # "by"/"par" names an agent; "in"/"en" does only when the phrase ends on it
        # ("blocked in Indonesia", not "dropped by Paysafe in the UK").
        place = _PLACE_PREP.search(title.folded, start, end) is not None
        agent = any(
            m.type in AUTHORITY_TYPES
            and end <= m.start < hi
            and (
                _AGENT_PREP.search(title.folded, start, m.start) is not None
                or (place and _after_offset(title, end, 2) >= m.start)
            )
            for m in title.mentions
        )
        if acts or agent:
            phrase = title.text[start:end].strip()
            best[("authority-cutoff", "legal")] = (
                Signal(label="legal", phrase=phrase, weight=AUTHORITY_CUTOFF_WEIGHT),
                0,
            )
            totals["legal"] += AUTHORITY_CUTOFF_WEIGHT
            return


def classify_text(
    title: str,
    summary: str = "",
    content: str = "",
    lang: str | None = None,
    published: datetime | None = None,
    with_facts: bool | None = None,
    decider: Callable[[Evidence], Decision] = decide,
) -> Detection:
    """Classify a story given as plain text fields.

    Facts are extracted when a label holds (with_facts=None), always (True) or never (False):
    they only matter for dispute stories and cost a third of the time. The rules find phrases
    and parties; ``decider`` turns what they found into labels (the learned model by default,
    ``decide_by_rules`` for the rule engine alone).
    """
    gaz = gazetteer()
    if lang:
        lang = lang.strip().lower()[:2]
    if not lang or lang not in available_langs():
        lang = detect_lang(" ".join((title, summary[:400])))
        if lang not in available_langs():
            lang = DEFAULT_LANG
    lex = load_lexicon(lang)
    # An ambiguous name in the headline may find its context in the summary.
    summary_folded = fold(summary[:SUMMARY_CHARS])
    segments = [_segment(title, TITLE_WEIGHT, gaz, summary_folded)]
    if summary:
        segments.append(
            _segment(summary[:SUMMARY_CHARS], SUMMARY_WEIGHT, gaz, folded=summary_folded)
        )
    if content:
        segments.append(_segment(content[:CONTENT_CHARS], CONTENT_WEIGHT, gaz))
    best: dict[tuple[str, Label], tuple[Signal, int]] = {}
    unknown: list[str] = []
    from_summary: list[str] = []
    title_cuts: list[tuple[int, int]] = []
    title_spans: list[tuple[int, int]] = []
    misses: list[NearMiss] = []
    for where, seg in enumerate(segments):
        spans = _scan(lex, seg, gaz, best, where, misses)
        if where == 0:
            title_cuts = [(s, e) for s, e, labels in spans if "cutoff" in labels]
            title_spans = [(s, e) for s, e, _ in spans]
        if where == 0:
            taken = [(x.start, x.end) for x in seg.sides]
            support = summary[:SUMMARY_CHARS]
            found = unknown_names(seg.text, taken, support=support, headline=True)
            unknown.extend(n for n in found if n not in unknown)
        elif where == 1 and spans:
            taken = [(x.start, x.end) for x in seg.sides]
            near = [(s, e) for s, e, _ in spans]
            found = unknown_names(seg.text, taken, near=near)
            from_summary = [n for n in found if n not in unknown]
            unknown.extend(from_summary)
    unknown = _short_forms(_real_names(unknown, gaz), segments)
    totals: dict[Label, float] = dict.fromkeys(LABELS, 0.0)
    body: dict[Label, float] = dict.fromkeys(LABELS, 0.0)
    restored = lex.restore is not None and lex.restore.search(segments[0].folded) is not None
    denied = (
        lex.false_report is not None and lex.false_report.search(segments[0].folded) is not None
    )
    for (_, label), (sig, where) in best.items():
        if label == "cutoff" and (denied or (restored and where > 0)):
            continue
        if where == 0:
            totals[label] += sig.weight
        elif sig.weight >= _BODY_MIN * segments[where].weight:
            body[label] += sig.weight
    for label in LABELS:
        # Bodies mention many things in passing: they confirm a headline, rarely decide alone.
        totals[label] += min(body[label], _SUMMARY_CAP)
    if totals["cutoff"] >= THRESHOLD and totals["legal"] < THRESHOLD:
        _authority_cutoff(segments[0], title_cuts, best, totals)
    if totals["legal"] > 0:
        has_company = any(
            m.type == "company"
            or (
                m.type == "person"
                and any(gaz.entities[c].type == "company" for c in gaz.entities[m.name].companies)
            )
            for seg in segments
            for m in seg.mentions
            if not _only_medium(lex, seg, m)
        )
        # Without a known company, a tech word in the headline plus a name the gazetteer lacks
        # (or a Title Case headline, where names cannot be told apart) stands in for one.
        ctx = lex.legal_context
        has_ctx = ctx is not None and ctx.search(segments[0].folded) is not None
        named = bool(unknown) or not segments[0].sentence_case
        cut = totals["cutoff"] >= THRESHOLD
        # A tech party written as a description ("la plateforme en ligne") stands for one too.
        tech = lex.legal_tech
        described = tech is not None and tech.search(segments[0].folded) is not None
        # Broadcast television and radio are no tech party, even when a media group is named:
        # their legal signals do not count, unless their regulator cuts a channel off.
        not_tech = lex.legal_not_tech
        broadcast = not_tech is not None and not_tech.search(segments[0].folded) is not None
        if broadcast and not cut:
            totals["legal"] = 0.0
        elif not (has_company or cut or described or (has_ctx and named)):
            totals["legal"] *= NO_TECH_DAMPING
    evidence = Evidence(
        title=title,
        summary=summary or content,
        lang=lang,
        hits=tuple(
            RuleHit(rule, label, where, sig) for (rule, label), (sig, where) in best.items()
        ),
        totals=totals,
        rule_labels=tuple(label for label in LABELS if totals[label] >= THRESHOLD),
        context=_context(segments[0], unknown),
        near=tuple(misses),
        names=_names(segments[0], unknown),
    )
    decision = decider(evidence)
    labels = decision.labels
    confidence = decision.confidence
    mentions = [m for seg in segments[:2] for m in seg.sides]
    with_content = len({m.name for m in mentions}) < 2 and len(segments) > 2
    if with_content:
        mentions = mentions + segments[2].sides
    central = cutting = frozenset[str]()
    groups: list[tuple[int, int, str]] = []
    if labels:
        _add_initials_actor(segments[0])
        _add_local_court(segments[0], gaz)
        sides = segments if with_content else segments[:2]
        if _ROUNDUP.search(title) is not None and segments[0].sides:
            # A show's episode ("… par Jane Roe - 16/09"): its summary runs through the day's
            # other stories, so the sides are the headline's.
            sides = segments[:1]
            unknown = [n for n in unknown if n not in from_summary]
        groups = group_names(segments[0].text)
        central = _central(segments[0], title_spans, unknown, groups=groups)
        opener = _opener(segments[0])
        if opener is not None:
            central |= {opener}
        mentions = _side_mentions(lex, sides, central)
        cutting = _central(segments[0], title_cuts, unknown, objects=False)
    parties = _resolve_parties(mentions, gaz, central)
    if labels:
        # A group is a side when it acts or undergoes the dispute ("Publishers sue…").
        topics = _topics(segments[:2], unknown, central)
        extra = tuple(n for n in unknown if n not in parties and n not in topics)
        # A group is a side when it acts or undergoes the dispute, or when the story has
        # one other side at most ("Appeals court seems lost on how Zorbly harms publishers").
        lone = len(set(parties + extra)) <= 1
        extra += tuple(g for _, _, g in groups if (g in central or lone) and g not in extra)
        parties = _sides(parties + extra, gaz, central, cutting)
        if "cutoff" not in labels:
            actors = _central(segments[0], title_spans, unknown, objects=False, subjects=True)
            parties = _litigants(parties, actors, gaz)
    signals = decision.signals
    facts = Facts()
    if with_facts or (with_facts is None and labels):
        text = "\n".join(part for part in (title, summary, content) if part)
        facts = extract_facts(text, lang, published=published)
    return Detection(
        labels=labels,
        score=max(confidence.values()),
        confidence=confidence,
        parties=parties,
        signals=signals,
        facts=facts,
        lang=lang,
    )


# How far before a company name the words saying it is only a medium are looked for.
_MEDIUM_CHARS = 40


def _only_medium(lex: Lexicon, seg: _Segment, m: Mention) -> bool:
    """Say whether a name is only where something was posted ("une vidéo sur TikTok")."""
    if lex.legal_medium is None:
        return False
    before = seg.folded[max(0, m.start - _MEDIUM_CHARS) : m.start]
    if lex.legal_medium.search(before) is None:
        return False
    topic = lex.legal_medium_topic
    return topic is None or topic.search(before) is None


def decide_by_rules(ev: Evidence) -> Decision:
    """Decide by the rule engine alone: a label holds at a summed weight of THRESHOLD."""
    signals = sorted((h.signal for h in ev.hits), key=lambda s: (-s.weight, s.label, s.phrase))
    return Decision(
        labels=ev.rule_labels,
        confidence={label: _confidence(ev.totals.get(label, 0.0)) for label in LABELS},
        signals=tuple(signals),
    )


def classify(item: FeedItem, *, with_facts: bool | None = None) -> Detection:
    """Classify one feed item (facts as in classify_text)."""
    return classify_text(
        item.title,
        item.summary,
        item.content,
        lang=item.lang,
        published=item.published,
        with_facts=with_facts,
    )


def warm_up() -> None:
    """Compile the gazetteer and every lexicon now rather than on the first item."""
    gazetteer()
    for lang in available_langs():
        load_lexicon(lang)


warm_up()
