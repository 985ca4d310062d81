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

from bot.detect.abbreviations import is_abbreviation
from bot.detect.entities import fold, gazetteer

# A capitalised word: letters, digits and the joiners names use ("AT&T", "Yahoo!", "X.com").
_WORD = re.compile(r"[^\W_][\w&.'’+!-]*")
_CAP_START = re.compile(r"[A-ZÀ-ÖØ-Þ0-9]")
# French elision before a name ("l'Arcep", "d'OpenAI") is not part of it.
_ELISION = re.compile(r"^(?:[LlDdJjNnSs]|[Qq]u|[Jj]usqu|[Ll]orsqu)['’]")
# Amounts ("$69bn", "302.4M"), contractions ("We've"), ordinals and counts ("21st",
# "11-month", "3rd-party"), numbered things ("Covid-19") and short numbered acronyms ("2FA",
# "5G") are no names.
_NOT_A_NAME = re.compile(
    r"^\d[\d.,]*(?:bn|mn|mds?|mrds?|[kmbt])$|['’](?:ve|re|ll|d|m)$|n['’]t$|\.(?:com|fr|net|org|io)$"
    r"|^\d+(?:st|nd|rd|th|er|e|eme|ème)$|^\d+[a-z]*-|-\d+$|^\d+[a-z]{1,3}$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"['’]s?$")
# What may join the words of one name: a space, " & ", or a lower-case particle between two
# capitalised words ("Bank of America", "Caisse des Dépôts").
_JOINERS = frozenset({" ", " & ", " and "})
_PARTICLES = frozenset({"of", "de", "du", "des", "la", "for", "van", "von", "der"})
# What ends a sentence (or opens a quotation or a title) before a word.
_SENTENCE_MARKS = frozenset('.:!?"“”«»‘(|')
# An app named the way Apple names products ("iZorb", "iDOS"): a name though lower case first.
_I_NAME = re.compile(r"^i[A-Z][A-Za-z]+$")
_INNER_CAP = re.compile(r"^[^\W\d_]+?[A-Z]")
_LETTER = re.compile(r"[^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_]{3,}")
_MAX_NAMES = 4
# How far from a dispute phrase a name in a summary may stand and still be one of its sides.
_NEAR_CHARS = 40
# Between a known company and the next capitalised word, these make the word its product.
_PRODUCT_GAPS = frozenset({"", " ", "'s ", "’s "})
# Marks that join a headline's parts, and the colon after a kicker.
_PART_BREAK = re.compile(r"\s?:\s|\s[|]\s|\s[-–—]\s")
_COLON = re.compile(r"\s?:\s")
_SOURCE = re.compile(r"\s[-–—]\s+(?:[A-Z][\w.&-]*\s?){1,3}$")
# A word elided after a particle ends a longer name ("de l'Homme", "à l'Enfance").
_PARTICLE_ELISION = re.compile(r"\b(?:de|du|des|à)\s+[lLdD]['’]$")
# After a run: a number ("Ligue 1", "Model 3") or a byline's date ("Jane Roe - 16/09").
_AFTER_NAME = re.compile(
    r"\s\d+\b(?!\s+(?:hours?|days?|weeks?|months?|years?|minutes?|times|million|billion|"
    r"heures?|jours?|semaines?|mois|ans|minutes|fois|millions?|milliards?)\b)"
    r"|\s+[-–—]\s+\d{1,2}/\d{1,2}\b"
)
# A word no common word looks like: inner capital, letters with digits, acronym, domain.
_NAME_SHAPE = re.compile(
    r"^[A-Za-z][a-z]+[A-Z]\w*$|^[A-Za-z]{3,}\d+[A-Za-z]*$|^[A-Z]{2,5}$|^\w[\w-]*\.(?:com|org|net|io)$"
)
# A plural noun that may end a group's name ("publishers", "labels", "lobby", "éditeurs").
_GROUP_WORD = re.compile(r"\b[a-zà-ÿ]+(?:s|x|by)\b")
_PREV_WORD = re.compile(r"(\w[\w'-]*) +$")
# A country code or nationality written just before a group ("UK ISPs", "Finnish ISPs").
_WHOSE_BEFORE = re.compile(r"\b([A-Z][\w.]*) $")
_COUNTRY_CODES = frozenset({"UK", "U.K.", "US", "U.S.", "EU"})
# What sources a story to an outlet ("(via Bloomberg)", "according to", "selon", "a confié à").
_SOURCED_BEFORE = re.compile(
    r"(?:\(via|\baccording\s+to|,\s+reports|\b(?:reported|viewed|seen|obtained)\s+by|"
    r"\bconfirmed\s+to|\bstatement\s+(?:with|to)|\binterview\s+with|\bselon|\bd['’]apr[eè]s|"
    r"\brapport[eé]\s+par|\b(?:confi|indiqu|d[eé]clar|expliqu|pr[eé]cis)[eé]\s+à|"
    r"\bentretien\s+(?:au|à|avec)|\binterrog[eé]\s+par)\s+(?:the\s+|la\s+|le\s+|les\s+|l['’]|au\s+)?$",
    re.IGNORECASE,
)
# A hyphenated description before a name ("EV-maker", "Open-source"): its last part lower case.
_DESCRIPTOR = re.compile(r"^[^\W_][\w]*-[a-z]+$")
# What ends a run but is no part of a name besides products and lead words: a role or a
# country code ("Zorbly CEO", "Zorbly USA").
_TRAILING = frozenset({"ceo", "cto", "cfo", "coo", "founder", "usa", "us", "u.s", "uk", "pdg"})
# What ends a person's name: a generational suffix ("Jr.").
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


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
    first_names: frozenset[str]
    # Nouns after which a place only says where or whose ("Texas judge", "Ohio residents").
    place_nouns: frozenset[str]
    # Groups that can be a side without a name ("Publishers sue…", "must pay record labels").
    groups: frozenset[str]
    # Nouns after a name that say what of it is at stake, not who ("Zorbly data").
    about_nouns: frozenset[str]
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
        trailing=products | lead | words("roles") | _TRAILING,
        generic=common | lead | products,
        common=common,
        lead=lead,
        not_names=words("not_names"),
        products=products,
        roles=words("roles"),
        small=words("small"),
        subject_verbs=words("subject_verbs"),
        first_names=words("first_names"),
        place_nouns=words("place_nouns"),
        groups=words("groups"),
        about_nouns=words("about_nouns"),
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
    verbs = name_words().subject_verbs
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
        ) or (first == "i" and _I_NAME.match(word) is not None)
        if capitalised and cur is not None and _capital_verb(word, verbs):
            # A verb written capitalised ends the subject's name ("Dutch ISPs Block Zorbly").
            cur = None
            pending_particle = False
            prev_end = e
            continue
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
        if cur is not None and (text[e : e + 1] in ',;:!?()"“”«»' or _ends_sentence(word)):
            cur = None
    return runs


_ROLE_BEFORE = re.compile(r"(\w+)\.?\s+$")
# Subject verbs too short or too common to end a name written capitalised.
_NOT_NAME_ENDERS = frozenset({"and", "et", "v", "vs", "to", "a", "is", "est", "va", "can", "may"})


def _capital_verb(word: str, verbs: frozenset[str]) -> bool:
    """Say whether a capitalised word is a verb after a subject ("Sues", "Block", "Bans")."""
    key = word.lower()
    return key not in _NOT_NAME_ENDERS and (key in verbs or f"{key}s" in verbs)


def _ends_sentence(word: str) -> bool:
    """Say whether a word's full stop ends a sentence ("Act. But"), not an abbreviation."""
    return (
        word.endswith(".")
        and "." not in word[:-1]
        and len(word) > 3
        and not is_abbreviation(word[:-1])
    )


def _clean(text: str, run: _Run, nw: NameWords) -> str | None:
    """Return the name a run stands for, or None when it is no party."""
    spans = list(run.words)
    if fold(text[spans[0][0] : spans[0][1]]).rstrip(".") in nw.roles:
        return None  # "Judge Jane Roe", "Gov. Jane Roe": the person a role introduces
    # Leading words that open a sentence or introduce the name are not part of it, nor a
    # nationality or a hyphenated description before a one-word name ("Israeli Zorbly",
    # "EV-maker Zorbly"; "Swiss Retail Federation" and "Dutch ISPs" keep their nationality).
    # "The" written capitalised inside a sentence is part of a name ("sues The Daily Zorbly").
    keep_the = (
        not run.at_sentence_start and len(spans) > 1 and text[spans[0][0] : spans[0][1]] == "The"
    )
    while (
        not keep_the
        and spans
        and (
            fold(_POSSESSIVE.sub("", text[spans[0][0] : spans[0][1]])) in nw.lead
            or (
                len(spans) == 2
                and _describes(text[spans[0][0] : spans[0][1]])
                # Before a common plural it names a group ("Dutch ISPs").
                and fold(text[spans[1][0] : spans[1][1]]).removesuffix("s") not in nw.common
            )
        )
    ):
        spans.pop(0)
        run.at_sentence_start = False
    # Nor a role or a country code after it ("Zorbly CEO", "Zorbly USA").
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
    suffix = name.endswith(".") and fold(words[-1]).rstrip(".") in _SUFFIXES
    name = _POSSESSIVE.sub("", name.rstrip(".!,")) + ("." if suffix else "")
    key = fold(name)
    if len(name) < 2 or key in nw.not_names or key in nw.roles or key in nw.common:
        return None
    # Common words around a nationality are people, not a side ("Thousands of Israelis").
    people = demonyms()
    if all((k := fold(w)) in nw.generic or k in people or w in _PARTICLES for w in name.split()):
        return None
    return name


def _describes(word: str) -> bool:
    """Say whether a word before a name describes it: a nationality or "EV-maker"."""
    return fold(word) in demonyms() or _DESCRIPTOR.match(word) is not None


@functools.cache
def demonyms() -> frozenset[str]:
    """Nationality words ("Chinese", "South Korean"), from the gazetteer's governments and the
    word lists: an adjective of a country, or its people ("Israelis", "des Européens"), is never
    a party of its own."""
    words = {"american", "european", "western", "asian", "african", "foreign", "global"}
    for name in gazetteer().entities:
        if name.endswith(" government"):
            words.add(fold(name[: -len(" government")]))
    raw = json.loads(
        resources.files("bot.detect").joinpath("data/name_words.json").read_text("utf-8")
    )
    french = [fold(str(w)) for w in raw["demonyms"]["fr"]]
    words.update(fold(str(w)) for w in raw["demonyms"]["en"])
    # Its people: "Israelis", "Palestinians"; in French also the feminine ("Américaine").
    out = set(words) | {f"{w}s" for w in words if not w.endswith("s")}
    for w in french:
        fem = w if w.endswith("e") else f"{w}e"
        out.update({w, fem, f"{fem}s", w if w[-1] in "sx" else f"{w}s"})
    return frozenset(out)


def _title_parts(text: str, run: _Run, support: str) -> list[_Run]:
    """Return the longest stretches of a Title Case run that the summary writes as names.

    Without the summary, a word shaped like no common word is a name on its own: an inner
    capital ("TekSavvy"), letters and digits ("Quad9"), an acronym ("RPI"), a domain.
    """
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
            start, end = words[i]
            if _NAME_SHAPE.search(_POSSESSIVE.sub("", text[start:end])):
                parts.append(_Run(start, end, [words[i]], at_sentence_start=False))
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
    headline: bool = False,
) -> list[str]:
    """Return the names of text the gazetteer lacks, in order of appearance.

    taken holds the spans of known mentions: a run right after one names its product
    ("Apple Watch"), not a party. In Title Case every word is capitalised, so a run counts only
    when support (the item's summary) writes it capitalised in mid-sentence; each part of a
    headline (around ":", " | ", " - ") is told apart on its own. With near, only names within
    a few words of one of those spans count (a summary names many bystanders). A headline's
    kicker ("Topic : the story"), its section or byline after " | ", and an author before a
    date ("par Jane Roe - 16/09") name no side.
    """
    nw = name_words()
    cases = [(start, end, is_title_case(text[start:end])) for start, end in _parts(text)]
    lo, hi = story_span(text) if headline else (0, len(text))
    names: list[str] = []
    for run in _runs(text, taken):
        if run.start < lo or run.start >= hi:
            continue
        if near is not None and not any(
            s - _NEAR_CHARS <= run.end and run.start <= e + _NEAR_CHARS for s, e in near
        ):
            continue
        before = text[max(0, run.start - 40) : run.start]
        if any(
            0 <= run.start - te <= 3 and text[te : run.start] in _PRODUCT_GAPS for _, te in taken
        ):
            continue
        # A role right before introduces the person ("Judge Jane Roe", "Sen. Jane Roe"),
        # not one across a colon or a comma ("Judge: Jane Roe lied…").
        role = _ROLE_BEFORE.search(before)
        if role is not None and fold(role.group(1)) in nw.roles:
            continue
        # An outlet a story is sourced to reports it ("(via Bloomberg)", "selon Le Zorbly").
        if _SOURCED_BEFORE.search(before):
            continue
        # The end of a longer name ("Ligue des droits de l'Homme"), a numbered product or
        # competition ("Ligue 1", "Model 3"), an author before a date: no side.
        if _PARTICLE_ELISION.search(before) or _AFTER_NAME.match(text, run.end):
            continue
        title_case = next((tc for start, end, tc in cases if start <= run.start < end), False)
        for part in _title_parts(text, run, support) if title_case else [run]:
            name = _clean(text, part, nw)
            if name is not None and name not in names:
                names.append(name)
    return names[:_MAX_NAMES]


def _parts(text: str) -> list[tuple[int, int]]:
    """Split a text at the marks that join a headline's parts (":", " | ", " - ")."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _PART_BREAK.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def story_span(text: str) -> tuple[int, int]:
    """Return where a headline's story is: after a kicker, before a section or byline.

    A kicker is a short part before the first colon that a longer one follows ("Suicide de
    Marie : ses parents portent plainte contre TikTok", "Financial Times: …"); a source may
    close the headline after a dash ("… – Daily Tech").
    """
    lo, hi = 0, len(text)
    section = text.rfind(" | ")
    if section > 0:
        hi = section
    # A source after a dash at the end ("… – TechCrunch").
    source = _SOURCE.search(text, 0, hi)
    if source is not None:
        hi = source.start()
    colon = _COLON.search(text, 0, hi)
    if colon is not None:
        words = text[: colon.start()].split()
        after = len(text[colon.end() : hi].split())
        # A kicker names a topic: no verb ("Zorbly refuse de distribuer Krandle : …" is a clause).
        verbs = name_words().subject_verbs
        if after > len(words) and after >= 3 and not any(w in verbs for w in words):
            lo = colon.end()
    return lo, hi


def is_person(name: str) -> bool:
    """Say whether an unknown name is a person's: two words or more, a first name first, or
    a generational suffix last ("Jane Roe Jr.")."""
    words = name.split()
    if len(words) < 2:
        return False
    return (
        fold(words[0].split("-")[0]) in name_words().first_names
        or fold(words[-1]).rstrip(".") in _SUFFIXES
    )


def group_names(text: str) -> list[tuple[int, int, str]]:
    """Return the groups a text names as they are written, with their spans ("Record labels")."""
    groups = name_words().groups
    folded = fold(text)
    out: list[tuple[int, int, str]] = []
    for m in _GROUP_WORD.finditer(folded):
        # The longest group ending at this word: "record labels" before "labels".
        for start in _group_starts(folded, m.start()):
            if folded[start : m.end()] in groups:
                # A country or nationality just before says whose ("UK ISPs", "Dutch ISPs").
                whose = _WHOSE_BEFORE.search(text, max(0, start - 16), start)
                if whose is not None and (
                    whose.group(1) in _COUNTRY_CODES or fold(whose.group(1)) in demonyms()
                ):
                    start = whose.start(1)
                out.append((start, m.end(), text[start : m.end()]))
                break
    return out


def _group_starts(folded: str, word_start: int) -> list[int]:
    """Return where a group ending at a word may begin: two words back, one, at the word."""
    starts = [word_start]
    for _ in range(2):
        prev = _PREV_WORD.search(folded, 0, starts[-1])
        if prev is None:
            break
        starts.append(prev.start(1))
    return starts[::-1]
