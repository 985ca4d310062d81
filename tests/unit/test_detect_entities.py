"""Gazetteer: canonical names, aliases, former names, ambiguous aliases, executives."""

from __future__ import annotations

import pytest

from bot.detect import classify_text
from bot.detect.entities import (
    all_parties,
    canonical_party,
    find_parties,
    gazetteer,
    party_aliases,
    party_parent,
    party_type,
)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("Twitter", "X"),
        ("twitter", "X"),
        ("X Corp", "X"),
        ("Facebook", "Meta"),
        ("Instagram", "Meta"),
        ("WhatsApp", "Meta"),
        ("AWS", "Amazon"),
        ("Amazon Web Services", "Amazon"),
        ("YouTube", "YouTube"),
        ("Alphabet", "Alphabet"),
        ("Fortnite", "Epic Games"),
        ("ChatGPT", "OpenAI"),
        ("Federal Trade Commission", "FTC"),
        ("Justice Department", "US DOJ"),
        ("Commission européenne", "European Commission"),
        ("Commission europeenne", "European Commission"),
        ("Autorité de la concurrence", "Autorité de la concurrence"),
        ("Competition and Markets Authority", "CMA"),
        ("CNIL", "CNIL"),
        ("Elon Musk", "Elon Musk"),
    ],
)
def test_canonical_party(alias: str, canonical: str) -> None:
    assert canonical_party(alias) == canonical


def test_unknown_name_is_none() -> None:
    assert canonical_party("Totally Unknown Widgets Ltd") is None


def test_aliases_and_listing() -> None:
    aliases = party_aliases("X")
    assert aliases[0] == "X"
    assert "Twitter" in aliases
    assert "Twitter" in party_aliases("twitter")
    assert party_aliases("Nobody At All") == []
    parties = all_parties()
    assert {"Microsoft", "X", "Meta", "Google", "Apple", "Amazon", "Epic Games", "OpenAI"} <= set(
        parties
    )
    assert {"FTC", "European Commission", "US DOJ", "CNIL", "CMA"} <= set(parties)


def test_gazetteer_is_large_enough() -> None:
    companies = [e for e in gazetteer().entities.values() if e.type == "company"]
    assert len(companies) >= 300
    types = {e.type for e in gazetteer().entities.values()}
    assert types == {"company", "regulator", "court", "government", "person"}


def test_linked_companies_stay_distinct() -> None:
    assert party_parent("YouTube") == "Google"
    assert party_parent("Google") == "Alphabet"
    assert gazetteer().ancestors("YouTube") == ["Google", "Alphabet"]
    assert party_type("FTC") == "regulator"
    assert party_type("Elon Musk") == "person"


def names(text: str) -> list[str]:
    return [m.name for m in find_parties(text)]


def test_ambiguous_x_needs_context() -> None:
    assert names("Apple's iPhone X gets a price cut") == ["Apple", "Apple"]
    assert "X" in names("X, the platform formerly known as Twitter, sues a watchdog")
    assert "X" not in names("The X factor of cloud gaming")


def test_block_company_versus_verb() -> None:
    assert "Block" in names("Block cuts staff as Cash App growth slows")
    assert "Block" not in names("How to block ads on your phone")
    assert "Apple" not in names("an apple a day keeps the doctor away")


def test_musk_maps_to_the_company_of_the_story() -> None:
    det = classify_text("Musk says Twitter will sue Microsoft over data use", lang="en")
    assert "X" in det.parties
    assert "Elon Musk" not in det.parties
    det = classify_text("Elon Musk sues a rival founder for defamation", lang="en")
    assert "Elon Musk" in det.parties


def test_single_company_executive_maps_to_company() -> None:
    det = classify_text("Zuckerberg faces lawsuit over data practices", lang="en")
    assert "Meta" in det.parties


def test_french_elisions_and_possessives() -> None:
    assert names("L'UE contre l'API d'Apple") == ["European Commission", "Apple"]
    assert names("Amazon’s AWS and Google's Android") == ["Amazon", "Amazon", "Google", "Google"]
