"""The word-start prefilter: it may let a rule run for nothing, never skip a rule that matches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.detect.entities import fold
from bot.detect.lexicon import available_langs, load_lexicon
from bot.detect.prefilter import text_keys, word_keys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_keys_are_the_first_letters_of_each_branch() -> None:
    # Up to five letters; a shorter word that ends is a key of its own ("x " is the word "x",
    # not "xbox"; "cut " is "cut", not "cutting").
    assert word_keys(r"\b(?:cut(?:s|ting)? off|bans?|x)\b") == {
        "cut ",
        "cuts ",
        "cutti",
        "ban ",
        "bans ",
        "x ",
    }
    # An optional first word gives both starts.
    assert word_keys(r"\b(?:the )?ban\b") == {"the ", "ban "}
    # A key stops where the word does, and at anything wider than a few letters.
    assert word_keys(r"\bno longer\b") == {"no "}
    assert word_keys(r"\bsu\w+") == {"su"}
    assert word_keys(r"\bretir[ée]") == {"retir"}
    assert word_keys(r"\b\d+ fines?\b") == set("0123456789")


@pytest.mark.parametrize(
    "pattern",
    [
        r"ban",  # may start inside a word
        r"\b\w+ suit",  # may start with any letter
        r"\b(?:ban|\$\d+)",  # one branch starts with a symbol
        r"(?:\bban|court)",  # one branch need not start a word
    ],
)
def test_rules_that_cannot_be_keyed_always_run(pattern: str) -> None:
    assert word_keys(pattern) is None


def test_text_keys_are_prefixes_of_words() -> None:
    assert text_keys("l'api bloquee") == {
        *("l", "l "),
        *("a", "ap", "api", "api "),
        *("b", "bl", "blo", "bloq", "bloqu"),
    }


def _texts() -> list[str]:
    texts = [
        "Zorbly cuts Kraken off from its API, then bans the app",
        "Le régulateur bloque l'accès et retire l'appli d'Apple",
    ]
    for path in sorted(FIXTURES.glob("headlines_own*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts.append(item["title"])
            if item.get("summary"):
                texts.append(item["summary"])
    return [fold(t) for t in texts]


@pytest.mark.parametrize("lang", available_langs())
def test_no_rule_is_skipped_where_it_matches(lang: str) -> None:
    lex = load_lexicon(lang)
    checked = 0
    for text in _texts():
        keys = text_keys(text)
        for rule in lex.rules:
            if rule.keys is None:
                continue
            for m in rule.pattern.finditer(text):
                checked += 1
                # The match starts a word whose first letters are one of the rule's keys.
                word = re.match(r"\w+", text[m.start() :])
                assert word is not None, (rule.id, text)
                w = word.group()
                assert any(w.startswith(k) or w + " " == k for k in rule.keys), (rule.id, text)
                assert keys & rule.keys, (rule.id, text)
    assert checked > 100
