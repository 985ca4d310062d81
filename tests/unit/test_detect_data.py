"""The packaged data files load, compile and follow the conventions."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest

from bot.detect.entities import fold
from bot.detect.lexicon import available_langs, load_lexicon


def test_languages() -> None:
    assert set(available_langs()) >= {"en", "fr"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_lexicon_compiles_with_both_labels(lang: str) -> None:
    lex = load_lexicon(lang)
    labels = {label for rule in lex.rules for label, _ in rule.labels}
    assert labels == {"cutoff", "legal"}
    assert len({r.id for r in lex.rules}) == len(lex.rules)
    assert lex.stopwords


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_prefilter_never_misses(lang: str) -> None:
    lex = load_lexicon(lang)
    text = fold("Apple sues Google; the court fines X and blocks TikTok after a ban on apps")
    for rule in lex.rules:
        if rule.pattern.search(text):
            assert rule.quick.search(text), rule.id


def test_gazetteer_aliases_are_unique() -> None:
    raw = json.loads((files("bot.detect") / "data" / "gazetteer.json").read_text("utf-8"))
    seen: dict[str, str] = {}
    for ent in raw["entities"]:
        for alias in [*ent.get("aliases", []), *ent.get("cased", []), *ent.get("ambiguous", [])]:
            key = re.sub(r"\s+", " ", fold(alias))
            assert seen.setdefault(key, ent["name"]) == ent["name"], alias


def test_package_exports_functions_not_modules() -> None:
    import bot.detect.classify  # noqa: F401 - the submodule shares the function's name
    from bot.detect import classify, classify_text

    assert callable(classify)
    assert classify.__name__ == "classify"
    assert classify_text.__module__ == "bot.detect.classify"
