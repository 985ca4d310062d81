"""Names the gazetteer lacks: whole, and only where they are names (our own sentences)."""

from __future__ import annotations

import pytest

from bot.detect.classify import classify_text
from bot.detect.names import group_names, is_person, is_title_case, unknown_names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Fenwick Mobile sues Brightline Systems over patents",
            ["Fenwick Mobile", "Brightline Systems"],
        ),
        ("Zorbly sues Krandle over patents", ["Zorbly", "Krandle"]),
        ("Publishers sue Anna's Archive over shadow library", ["Anna's Archive"]),
        (
            "Cards Against Humanity sues Orbital Freight for trespassing",
            ["Cards Against Humanity", "Orbital Freight"],
        ),
        (
            "Court rules Fenwick Mobile infringed Brightline's patents",
            ["Fenwick Mobile", "Brightline"],
        ),
        ("Bank of America drops Zorbly Labs as a client", ["Bank of America", "Zorbly Labs"]),
        ("La CNIL inflige une amende à Fenwick Télécom", ["CNIL", "Fenwick Télécom"]),
        ("L'Arcep met en demeure Fenwick Télécom", ["Arcep", "Fenwick Télécom"]),
        ("Steam exclut les jeux du studio d'Age of Rust", ["Steam", "Age of Rust"]),
    ],
)
def test_names_are_kept_whole(text: str, names: list[str]) -> None:
    assert unknown_names(text, []) == names


@pytest.mark.parametrize(
    "text",
    [
        "Regulators fine a chip maker over its pricing",
        "Controversial crime app pulled from a store",
        "Rising encrypted messenger blocked in one country",
        "Solar farm of 200 MW sued over noise",
        "Zorbly to pay $302.4M after losing the case",
        "'We've been priced out': a developer quits",
        "Judge Jane Roe rules the merger can go ahead",
    ],
)
def test_common_words_units_amounts_and_judges_are_no_names(text: str) -> None:
    found = unknown_names(text, [])
    assert not any(
        bad in found
        for bad in (
            "Regulators",
            "Controversial",
            "Rising",
            "MW",
            "$302.4M",
            "302.4M",
            "We've",
            "Jane Roe",
        )
    ), found


def test_a_word_right_after_a_known_company_is_its_product() -> None:
    text = "Orbital Watch ban upheld"
    assert unknown_names(text, [(0, 7)]) == []


def test_title_case_needs_the_summary_to_confirm_a_name() -> None:
    title = "Zorbly Sues Krandle Over Patent Royalties"
    assert is_title_case(title)
    assert unknown_names(title, []) == []
    summary = "The startup Zorbly filed suit against Krandle on Tuesday."
    assert unknown_names(title, [], support=summary) == ["Zorbly", "Krandle"]


def test_a_name_dense_headline_with_a_lower_case_verb_is_not_title_case() -> None:
    assert not is_title_case("Fenwick Mobile sues Brightline Systems")
    assert not is_title_case("Apple pulls iOS App From Zorbly")  # 'iOS' is not a lower-case word


def test_detected_stories_name_unknown_companies_whole() -> None:
    det = classify_text("Fenwick Mobile sues Brightline Systems over patents")
    assert "legal" in det.labels
    assert set(det.parties) == {"Fenwick Mobile", "Brightline Systems"}


def test_a_generic_app_store_is_not_apple() -> None:
    det = classify_text("Zorbly removes Krandle's game from its app store")
    assert "Apple" not in det.parties


@pytest.mark.parametrize(
    "text",
    [
        # A kicker before a colon, a section or byline after " | ", an author before a date.
        "Tech Pulse : Zorbly poursuit Krandle en justice devant le tribunal",
        "Zorbly sues Krandle over chip patents | Jane Roe",
        "Zorbly poursuit Krandle en justice par Jeanne Roux - 12/03",
    ],
)
def test_a_headline_kicker_section_or_byline_names_no_side(text: str) -> None:
    found = unknown_names(text, [], headline=True)
    assert found == ["Zorbly", "Krandle"], found


def test_numbered_things_ordinals_and_name_ends_are_no_names() -> None:
    # A numbered product or competition, an ordinal, a count, a numbered acronym.
    assert unknown_names("Krandle sues over the Zorbly Arena 2 game on December 9th", []) == [
        "Krandle"
    ]
    assert unknown_names("Zorbly hit by a 11-month probe over 2FA codes", []) == ["Zorbly"]
    # The end of a longer French name after "de l'" is no name of its own.
    assert "Homme" not in unknown_names("La Ligue des droits de l'Homme attaque Zorbly", [])
    # A sentence ends at "Act." even when the next word is capitalised.
    found = unknown_names("Krandle fined under the Fair Play Act. But Zorbly appeals", [])
    assert "Fair Play Act. But" not in found and "Zorbly" in found


def test_descriptions_roles_and_country_codes_around_a_name_are_dropped() -> None:
    assert unknown_names("EV-maker Zorbly sued by Krandle", []) == ["Zorbly", "Krandle"]
    assert unknown_names("Israeli Zorbly sued by Krandle", []) == ["Zorbly", "Krandle"]
    assert unknown_names("Zorbly CEO sues Krandle over a deal", []) == ["Zorbly", "Krandle"]
    assert unknown_names("Krandle sues Zorbly USA over ink", []) == ["Krandle", "Zorbly"]
    # A nationality that is part of a longer name stays ("Swiss Retail Federation").
    assert unknown_names("Zorbly sued by Swiss Retail Federation", []) == [
        "Zorbly",
        "Swiss Retail Federation",
    ]


def test_each_part_of_a_headline_is_title_case_or_not_on_its_own() -> None:
    # The part before the colon is Title Case: its capitalised words need the summary.
    text = "Judge Orders Zorbly to Disclose Secret Documents: the board ruled against Krandle"
    assert unknown_names(text, []) == ["Krandle"]
    assert unknown_names(text, [], support="a case brought against Zorbly by the board") == [
        "Zorbly",
        "Krandle",
    ]


def test_a_first_name_tells_a_person() -> None:
    assert is_person("Jane Roe")
    assert is_person("Jean-Marc Roux")
    assert not is_person("Zorbly Labs")
    assert not is_person("Jane")


def test_title_case_words_shaped_like_no_common_word_are_names() -> None:
    # No summary to confirm them: an inner capital, letters with digits, an acronym.
    assert unknown_names("Zorbly Sues TekSavvy Over Fees", []) == ["TekSavvy"]
    assert unknown_names("Quad9 Files Objection To Court Ruling", []) == ["Quad9"]
    assert unknown_names("Apple Settles Lawsuit with RPI for $25M", [(0, 5)]) == ["RPI"]
    # A model number is no name.
    assert unknown_names("Export Of H100 Chips Banned", []) == []


def test_a_source_after_a_closing_dash_names_no_side() -> None:
    found = unknown_names("Zorbly will reimburse Krandle $9M – DailyTech", [], headline=True)
    assert found == ["Zorbly", "Krandle"]


def test_groups_are_found_as_written_longest_first() -> None:
    assert group_names("Record labels sue Zorbly") == [(0, 13, "Record labels")]
    assert group_names("Zorbly must pay publishers") == [(16, 26, "publishers")]
    assert group_names("Zorbly bans users") == []


def test_a_capitalised_the_inside_a_sentence_is_part_of_the_name() -> None:
    assert unknown_names("Nintendo and The Zorbly Company sue Krandle", [(0, 8)]) == [
        "The Zorbly Company",
        "Krandle",
    ]
    assert unknown_names("The Zorbly Company sues Krandle", []) == ["Zorbly Company", "Krandle"]


def test_a_clause_before_a_colon_is_no_kicker_and_a_count_is_no_product_number() -> None:
    text = "Krandle refuse de distribuer Zorbly Sport : les abonnés privés de matchs"
    assert "Zorbly Sport" in unknown_names(text, [], headline=True)
    assert unknown_names("Krandle sues Zorbly Daily 24 hours after the leak", []) == [
        "Krandle",
        "Zorbly Daily",
    ]
