"""Gazetteer of parties: companies, products, regulators, courts, governments and executives."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

logger = logging.getLogger(__name__)

PARTY_TYPES = ("company", "regulator", "court", "government", "person")
AUTHORITY_TYPES = frozenset({"regulator", "court", "government"})

# Word-ish tokens: letters/digits joined by . & (Booking.com, AT&T, U.S), an optional trailing +.
_TOKEN_RE = re.compile(r"\w+(?:[.&]\w+)*\+?")


def _strip_accent(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0]
    return base if len(base) == 1 else ch


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = _strip_accent(ch)
        if base != ch and base.isascii():
            table[code] = base
    for ch in "\u2018\u2019\u02bc\u00b4`":
        table[ord(ch)] = "'"
    for ch in "\u201c\u201d\u00ab\u00bb\u201e":
        table[ord(ch)] = '"'
    for ch in "\u2013\u2014\u2011\u2010":
        table[ord(ch)] = "-"
    table[0x00A0] = " "
    table[0x202F] = " "
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Lower-case, strip Latin accents and normalise quotes, keeping the length unchanged."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A rare character whose lower case is longer: fall back char by char to keep offsets.
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_FOLD_TABLE)


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """Split text into (start, end, token) word tokens."""
    return [(s, e, text[s:e]) for s, e in token_spans(text)]


def token_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the word tokens of text."""
    return [m.span() for m in _TOKEN_RE.finditer(text)]


@dataclass(frozen=True, slots=True)
class Entity:
    """One gazetteer entry."""

    name: str
    type: str
    parent: str | None
    companies: tuple[str, ...]
    aliases: tuple[str, ...]
    context: re.Pattern[str] | None
    not_adjacent: frozenset[str]
    # Who stands for a government as the one suing or prosecuting (US government -> US DOJ).
    litigant: str | None = None
    # Mostly a place in tech news (a US state): a side when it acts, never an actor for rules.
    side_only: bool = False
    # The more specific bodies that stand for it when named (French judiciary -> Paris
    # prosecutor): then it is no side of its own.
    yields_to: tuple[str, ...] = ()
    # The name it goes by as a side, when people name the group by its best-known company
    # (Alphabet -> Google).
    known_as: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A party found in a text: character span and canonical name."""

    start: int
    end: int
    name: str
    type: str
    text: str
    # Written with a generic alias ("le gouvernement"): the party only when no other of its
    # kind is named.
    generic: bool = False
    # Of an entity, or written with an alias, that is a side but never an actor for the rules.
    side_only: bool = False


@dataclass(frozen=True, slots=True)
class _AliasEntry:
    name: str
    needs_context: bool
    generic: bool = False
    side_only: bool = False


class Gazetteer:
    """Compiled gazetteer: n-gram indexes for case-insensitive and case-sensitive aliases."""

    def __init__(self, raw: dict[str, object]) -> None:
        entities_raw = raw.get("entities")
        if not isinstance(entities_raw, list):
            raise ValueError("gazetteer: 'entities' must be a list")
        self.entities: dict[str, Entity] = {}
        self._ci: dict[tuple[str, ...], _AliasEntry] = {}
        self._cs: dict[tuple[str, ...], _AliasEntry] = {}
        self._lookup: dict[str, str] = {}
        for item in entities_raw:
            self._add(item)
        self._ci_first = {key[0] for key in self._ci}
        self._cs_first = {key[0] for key in self._cs}
        self._max_len = max(len(k) for k in (*self._ci, *self._cs))
        for name, ent in self.entities.items():
            for rel in (ent.parent, *ent.companies, ent.litigant, *ent.yields_to, ent.known_as):
                if rel is not None and rel not in self.entities:
                    raise ValueError(f"gazetteer: {name} refers to unknown {rel}")

    def _add(self, item: object) -> None:
        if not isinstance(item, dict):
            raise ValueError("gazetteer: each entity must be an object")
        name = str(item["name"])
        etype = str(item.get("type", "company"))
        if etype not in PARTY_TYPES:
            raise ValueError(f"gazetteer: {name} has unknown type {etype}")
        ci = [str(a) for a in item.get("aliases", [])]
        cs = [str(a) for a in item.get("cased", [])]
        amb = [str(a) for a in item.get("ambiguous", [])]
        ctx_words = [str(w) for w in item.get("context", [])]
        context = None
        if ctx_words:
            alternation = "|".join(re.escape(fold(w)) for w in ctx_words)
            context = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
        entity = Entity(
            name=name,
            type=etype,
            parent=str(item["parent"]) if item.get("parent") else None,
            companies=tuple(str(c) for c in item.get("companies", [])),
            aliases=tuple(dict.fromkeys([name, *ci, *cs, *amb])),
            context=context,
            not_adjacent=frozenset(fold(w) for w in item.get("not_adjacent", [])),
            litigant=str(item["litigant"]) if item.get("litigant") else None,
            side_only=item.get("side_only") is True,
            yields_to=tuple(str(n) for n in item.get("yields_to", [])),
            known_as=str(item["known_as"]) if item.get("known_as") else None,
        )
        self.entities[name] = entity
        for alias in ci:
            key = tuple(fold(t) for _, _, t in tokenize(alias))
            # Short all-caps aliases (FTC, EU) are matched case-sensitively.
            if alias.isupper() and len(alias) <= 3:
                self._cs[tuple(t for _, _, t in tokenize(alias))] = _AliasEntry(name, False)
            elif key:
                self._ci[key] = _AliasEntry(name, False)
        generic = frozenset(str(a) for a in item.get("generic", []))
        # "side_only" is true for the whole entity, or lists the aliases that are mostly places
        # ("France"): those name a side but never an actor for the rules.
        side_raw = item.get("side_only")
        side = frozenset(str(a) for a in side_raw) if isinstance(side_raw, list) else frozenset()
        for alias in cs:
            entry = _AliasEntry(name, False, alias in generic, alias in side)
            self._cs[tuple(t for _, _, t in tokenize(alias))] = entry
        for alias in amb:
            entry = _AliasEntry(name, True, alias in generic, alias in side)
            self._cs[tuple(t for _, _, t in tokenize(alias))] = entry
        lookup_only = [str(a) for a in item.get("names", [])]
        if etype == "government":
            # "Texas government", "Government of Nepal": how people write a government's side.
            places = [a for a in (name, *entity.aliases, *lookup_only) if "govern" not in a]
            lookup_only += [f"{p} government" for p in places]
            lookup_only += [f"government of {p}" for p in places]
        for alias in (*entity.aliases, *lookup_only):
            self._lookup.setdefault(" ".join(t for _, _, t in tokenize(fold(alias))), name)

    def canonical(self, name: str) -> str | None:
        """Return the canonical name for any alias, ignoring case and accents."""
        key = " ".join(t for _, _, t in tokenize(fold(name.strip())))
        return self._lookup.get(key)

    def find(
        self,
        text: str,
        folded: str | None = None,
        toks: list[tuple[int, int]] | None = None,
        around: str = "",
    ) -> list[Mention]:
        """Find every party mention in text, longest alias first.

        around (folded) is more of the same story, where an ambiguous alias may find its
        context too (a headline's "X" next to a summary naming Musk).
        """
        if folded is None:
            folded = fold(text)
        if toks is None:
            toks = token_spans(text)
        if not toks:
            return []
        ftoks = [folded[s:e] for s, e in toks]
        raw = [text[s:e] for s, e in toks]
        mentions: list[Mention] = []
        i = 0
        n = len(toks)
        while i < n:
            if ftoks[i] not in self._ci_first and raw[i] not in self._cs_first:
                i += 1
                continue
            found = 0
            for length in range(min(self._max_len, n - i), 0, -1):
                entry = self._ci.get(tuple(ftoks[i : i + length]))
                if entry is None:
                    entry = self._cs.get(tuple(raw[i : i + length]))
                    if (
                        entry is not None
                        and entry.needs_context
                        and not self._context_ok(entry.name, folded, ftoks, i, length, around)
                    ):
                        entry = None
                if entry is None:
                    continue
                start, end = toks[i][0], toks[i + length - 1][1]
                ent = self.entities[entry.name]
                mentions.append(
                    Mention(
                        start,
                        end,
                        ent.name,
                        ent.type,
                        text[start:end],
                        entry.generic,
                        ent.side_only or entry.side_only,
                    )
                )
                found = length
                break
            i += found or 1
        return mentions

    def _context_ok(
        self, name: str, folded: str, ftoks: list[str], i: int, length: int, around: str = ""
    ) -> bool:
        ent = self.entities[name]
        if ent.not_adjacent:
            before = ftoks[i - 1] if i > 0 else ""
            after = ftoks[i + length] if i + length < len(ftoks) else ""
            if before in ent.not_adjacent or after in ent.not_adjacent:
                return False
        if ent.context is None:
            return True
        # The alias itself must not count as its own context.
        if any(m.group() != ftoks[i] for m in ent.context.finditer(folded)):
            return True
        return bool(around) and any(m.group() != ftoks[i] for m in ent.context.finditer(around))

    def ancestors(self, name: str) -> list[str]:
        """Return the parent chain of an entity (Google -> Alphabet)."""
        chain: list[str] = []
        ent = self.entities.get(name)
        while ent is not None and ent.parent is not None and ent.parent not in chain:
            chain.append(ent.parent)
            ent = self.entities.get(ent.parent)
        return chain

    def related(self, a: str, b: str) -> bool:
        """Say whether two parties are the same company or linked by parenthood."""
        if a == b:
            return True
        return b in self.ancestors(a) or a in self.ancestors(b)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Load and compile the packaged gazetteer once."""
    path = files("bot.detect") / "data" / "gazetteer.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    gaz = Gazetteer(raw)
    logger.debug("gazetteer loaded: %d entities", len(gaz.entities))
    return gaz


def canonical_party(name: str) -> str | None:
    """Return the canonical party for a name or alias ("Twitter" -> "X"), or None."""
    return gazetteer().canonical(name)


def party_aliases(canonical: str) -> list[str]:
    """Return every alias of a canonical party, the canonical name first."""
    gaz = gazetteer()
    resolved = gaz.canonical(canonical) or canonical
    ent = gaz.entities.get(resolved)
    return list(ent.aliases) if ent is not None else []


def all_parties() -> list[str]:
    """Return every canonical party name, sorted."""
    return sorted(gazetteer().entities, key=str.casefold)


def party_type(canonical: str) -> str | None:
    """Return the kind of a canonical party (company, regulator, court, government, person)."""
    ent = gazetteer().entities.get(canonical)
    return ent.type if ent is not None else None


def party_parent(canonical: str) -> str | None:
    """Return the parent company of a canonical party (YouTube -> Google), if any."""
    ent = gazetteer().entities.get(canonical)
    return ent.parent if ent is not None else None


def find_parties(text: str) -> list[Mention]:
    """Find party mentions in a text."""
    return gazetteer().find(text)
