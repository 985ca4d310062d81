"""Group reports of the same event into stories and stories of the same parties into disputes.

Pure functions over plain data. Two reports are linked when they are close in time, their party
sets are compatible and their words overlap enough (folded, stopwords removed, light stems, a
small EN/FR concept table so a French and an English headline can meet). Stories are the
connected components of that relation, so the result does not depend on arrival order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.stories.parties import aliases
from bot.stories.text import STOPWORDS, fold, stem, words
from bot.types import LABELS, Label

# Folded words that mean the same thing across EN and FR headlines (a few dozen, on purpose).
_CONCEPT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "drop": (
        "drop",
        "drops",
        "dropped",
        "dropping",
        "retire",
        "retirent",
        "abandonne",
        "abandonner",
        "abandon",
        "lache",
        "cesse",
        "arrete",
        "stops",
        "stop",
        "ends",
    ),
    "sue": ("sue", "sues", "sued", "suing", "poursuit", "poursuivre", "poursuivi", "attaque"),
    "lawsuit": ("lawsuit", "lawsuits", "suit", "proces", "plainte", "complaint", "litigation"),
    "fine": ("fine", "fines", "fined", "amende", "amendes", "penalty", "sanction", "sanctionne"),
    "ban": ("ban", "bans", "banned", "banning", "interdit", "interdiction", "bannit", "bannir"),
    "block": ("block", "blocks", "blocked", "bloque", "bloquer", "bloquent"),
    "remove": ("remove", "removes", "removed", "supprime", "supprimer", "pulls", "pulled"),
    "court": ("court", "courts", "tribunal", "cour"),
    "judge": ("judge", "juge", "ruling", "rules", "jugement", "decision"),
    "platform": ("platform", "platforms", "plateforme", "plateformes"),
    "ad": (
        "ad",
        "ads",
        "advertising",
        "advertisers",
        "publicitaire",
        "publicitaires",
        "publicite",
        "pub",
        "annonceurs",
    ),
    "support": ("support", "supporting", "supported", "charge"),
    "app": ("app", "apps", "application", "applications", "appli"),
    "store": ("store", "boutique"),
    "antitrust": ("antitrust", "concurrence", "monopoly", "monopole", "competition"),
    "deal": ("deal", "accord", "agreement", "partnership", "partenariat"),
    "settle": ("settle", "settles", "settled", "settlement", "reglement", "transaction"),
    "appeal": ("appeal", "appeals", "appealed", "appel", "conteste"),
    "threat": ("threat", "threatens", "threatened", "menace", "menacer", "menacent"),
    "data": ("data", "donnees"),
    "price": ("price", "prices", "pricing", "prix", "tarif", "tarifs", "fees", "fee", "frais"),
    "access": ("access", "acces"),
    "game": ("game", "games", "jeu", "jeux"),
    "news": ("news", "actualites", "information", "informations", "presse"),
    "investigation": ("investigation", "probe", "probes", "enquete", "inquiry"),
    "close": (
        "close",
        "closes",
        "closed",
        "shut",
        "shuts",
        "ferme",
        "fermer",
        "ferment",
        "terminate",
        "terminates",
        "terminated",
        "termine",
        "resilie",
        "kill",
        "kills",
        "killed",
    ),
    "cut": ("cut", "cuts", "coupe", "couper", "coupent"),
    "suspend": ("suspend", "suspends", "suspended", "suspension", "suspendu"),
    "reject": ("reject", "rejects", "rejected", "rejette", "refuse", "refuses", "refused"),
    "account": ("account", "accounts", "compte", "comptes"),
    "developer": ("developer", "developers", "developpeur", "developpeurs", "devs"),
    "eu": ("eu", "ue", "europe", "european", "europeen", "europeenne", "brussels", "bruxelles"),
    "user": ("user", "users", "utilisateur", "utilisateurs"),
    "m01": ("january", "janvier", "jan"),
    "m02": ("february", "fevrier", "feb"),
    "m03": ("march", "mars"),
    "m04": ("april", "avril", "apr"),
    "m05": ("may", "mai"),
    "m06": ("june", "juin"),
    "m07": ("july", "juillet"),
    "m08": ("august", "aout", "aug"),
    "m09": ("september", "septembre", "sept"),
    "m10": ("october", "octobre", "oct"),
    "m11": ("november", "novembre", "nov"),
    "m12": ("december", "decembre", "dec"),
}
CONCEPTS: Mapping[str, str] = {
    word: concept for concept, group in _CONCEPT_GROUPS.items() for word in group
}

# How much of the smaller word set must be shared, by how the party sets relate.
SAME_PAIR_THRESHOLD = 0.15  # both name the same two (or more) parties
ONE_PARTY_THRESHOLD = 0.3  # one side names a single party, which the other names too
OTHER_THRESHOLD = 0.5  # different pairs sharing one party, or no parties known
LABEL_MISMATCH_PENALTY = 0.25  # added to the threshold when the labels share nothing
_TEXT_CHARS = 600  # how much of the summary counts next to the title


@dataclass(frozen=True, slots=True)
class ClusterItem:
    """One report to group: an entry with its detection, and its story if it already has one."""

    key: int
    title: str
    text: str
    published: datetime
    labels: tuple[Label, ...]
    parties: tuple[str, ...]
    lang: str
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Features:
    title: frozenset[str]
    all: frozenset[str]
    parties: frozenset[str]


def terms(text: str, party_words: frozenset[str] = frozenset()) -> frozenset[str]:
    """Comparable terms of a text: concepts or stems of its content words, parties left out."""
    out: set[str] = set()
    for word in words(text):
        if word in STOPWORDS or word in party_words:
            continue
        stemmed = stem(word)
        out.add(CONCEPTS.get(word) or CONCEPTS.get(stemmed) or stemmed)
    return frozenset(out)


def _party_words(parties: Iterable[str]) -> frozenset[str]:
    return frozenset(w for p in parties for w in words(p))


def _features(item: ClusterItem) -> _Features:
    # Party names are compared as parties, not as words, so "Google" alone links nothing.
    party_words = _party_words(a for p in item.parties for a in aliases(p))
    title = terms(item.title, party_words)
    body = terms(item.text[:_TEXT_CHARS], party_words)
    return _Features(title, title | body, frozenset(fold(p) for p in item.parties))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    # +1 keeps two three-word headlines sharing one generic word from looking identical.
    return len(a & b) / (min(len(a), len(b)) + 1)


def similarity(a: ClusterItem, b: ClusterItem) -> float:
    """Word overlap of two reports in [0, 1): the better of title-only and title+summary."""
    fa, fb = _features(a), _features(b)
    return max(_overlap(fa.title, fb.title), _overlap(fa.all, fb.all))


def _threshold(pa: frozenset[str], pb: frozenset[str]) -> float | None:
    shared = pa & pb
    if pa and pb and not shared:
        return None
    if len(shared) >= 2:
        return SAME_PAIR_THRESHOLD
    if shared and (len(pa) == 1 or len(pb) == 1):
        return ONE_PARTY_THRESHOLD
    return OTHER_THRESHOLD


def _linked(
    a: ClusterItem, fa: _Features, b: ClusterItem, fb: _Features, window: timedelta
) -> bool:
    if abs(a.published - b.published) > window:
        return False
    need = _threshold(fa.parties, fb.parties)
    if need is None:
        return False
    if a.labels and b.labels and not set(a.labels) & set(b.labels):
        need += LABEL_MISMATCH_PENALTY
    sim = max(_overlap(fa.title, fb.title), _overlap(fa.all, fb.all))
    return sim >= need


def same_event(a: ClusterItem, b: ClusterItem, window: timedelta) -> bool:
    """Say whether two reports are about the same event."""
    return _linked(a, _features(a), b, _features(b), window)


def cluster(items: Sequence[ClusterItem], window: timedelta) -> list[list[ClusterItem]]:
    """Group items into stories: connected components of `same_event`.

    Items that already belong to the same story stay together. Groups come out sorted by their
    smallest key, items by (published, key), so the result does not depend on input order.
    """
    ordered = sorted(items, key=lambda i: (i.published, i.key))
    feats = [_features(i) for i in ordered]
    parent = list(range(len(ordered)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    by_story: dict[int, int] = {}
    for idx, item in enumerate(ordered):
        if item.story_id is not None:
            if item.story_id in by_story:
                union(idx, by_story[item.story_id])
            else:
                by_story[item.story_id] = idx
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.published - a.published > window:
                break
            if find(i) != find(j) and _linked(a, feats[i], b, feats[j], window):
                union(i, j)
    groups: dict[int, list[ClusterItem]] = {}
    for idx, item in enumerate(ordered):
        groups.setdefault(find(idx), []).append(item)
    return sorted(groups.values(), key=lambda g: min(i.key for i in g))


def story_lang(items: Sequence[ClusterItem]) -> str:
    """The language most reports use; on a tie, the earliest report's."""
    counts = Counter(i.lang for i in items)
    first = min(items, key=lambda i: (i.published, i.key))
    best = max(counts.values())
    if counts[first.lang] == best:
        return first.lang
    return min(lang for lang, n in counts.items() if n == best)


def _title_quality(item: ClusterItem) -> tuple[int, int, int]:
    title = item.title.strip()
    truncated = title.endswith(("…", "...")) or not title
    shouting = title.isupper() and len(title) > 12
    informative = min(len({w for w in words(title) if w not in STOPWORDS}), 14)
    length = len(title) if len(title) <= 140 else 140 - (len(title) - 140)
    return (0 if truncated or shouting else 1, informative, length)


def best_title(items: Sequence[ClusterItem], lang: str | None = None) -> str:
    """The most informative complete title, preferring the story's language; stable."""
    pool = [i for i in items if i.lang == lang] or list(items)
    best = min(
        pool,
        key=lambda i: (tuple(-q for q in _title_quality(i)), i.published, i.key),
    )
    return best.title.strip()


def ordered_labels(labels: Iterable[str]) -> tuple[Label, ...]:
    """Known labels in their canonical order, without repeats."""
    present = set(labels)
    return tuple(label for label in LABELS if label in present)


def ordered_parties(items: Sequence[ClusterItem]) -> tuple[str, ...]:
    """Parties by how many reports name them, then by first appearance."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[datetime, int, int]] = {}
    for item in sorted(items, key=lambda i: (i.published, i.key)):
        for pos, party in enumerate(item.parties):
            counts[party] += 1
            first.setdefault(party, (item.published, item.key, pos))
    return tuple(sorted(counts, key=lambda p: (-counts[p], first[p])))


def dispute_pair(parties: Sequence[str]) -> tuple[str, str] | None:
    """The two main parties of a story, in a stable order; None when fewer than two."""
    if len(parties) < 2:
        return None
    a, b = parties[0], parties[1]
    return (a, b) if (a.casefold(), a) <= (b.casefold(), b) else (b, a)


def dispute_name(parties: Sequence[str]) -> str:
    """A readable dispute name: "Microsoft ↔ X"."""
    return " ↔ ".join(parties)


@dataclass(frozen=True, slots=True)
class DisputeCandidate:
    """An existing dispute a story might join."""

    id: int
    parties: tuple[str, ...]
    first_activity: datetime
    last_activity: datetime


def pick_dispute(
    pair: tuple[str, str],
    when: datetime,
    candidates: Iterable[DisputeCandidate],
    window: timedelta,
) -> int | None:
    """The open dispute between exactly these two parties nearest in time, if any.

    Open means the story happens within `window` of the dispute's activity span.
    """
    wanted = {fold(p) for p in pair}
    best: tuple[timedelta, int] | None = None
    for cand in candidates:
        if {fold(p) for p in cand.parties} != wanted:
            continue
        if when > cand.last_activity:
            gap = when - cand.last_activity
        elif when < cand.first_activity:
            gap = cand.first_activity - when
        else:
            gap = timedelta(0)
        if gap > window:
            continue
        key = (gap, cand.id)
        if best is None or key < best:
            best = key
    return best[1] if best else None
