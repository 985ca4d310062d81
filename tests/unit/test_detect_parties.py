"""Sides of a dispute story, round 4: kinds of missed and extra sides (our own headlines)."""

from __future__ import annotations

import pytest

from bot.detect.classify import classify_text
from bot.detect.entities import canonical_party, find_parties, party_parent
from bot.detect.names import demonyms, group_names, is_person, unknown_names


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Cox Communications", "Cox"),
        ("Agence nationale des fréquences", "ANFR"),
        ("Pentagone", "US Department of Defense"),
        ("Kirghizstan", "Kyrgyz government"),
        ("Chinese Communist Party", "Chinese government"),
        ("Trump Media & Technology Group", "Trump Media"),
        ("Electronic Frontier Foundation", "EFF"),
        ("Call of Duty", "Microsoft"),
        ("YIFY", "YTS"),
    ],
)
def test_sides_news_names_are_in_the_gazetteer(written: str, canonical: str) -> None:
    assert canonical_party(written) == canonical


def test_a_subsidiary_names_its_owner_and_short_forms_name_the_body() -> None:
    assert party_parent("Giphy") == "Meta"
    det = classify_text("Le Kirghizstan bloque Telegram", lang="fr")
    assert set(det.parties) == {"Kyrgyz government", "Telegram"}
    det = classify_text("CCP pulls support from Zorbly Cloud")
    assert "Chinese government" in det.parties
    assert "CCP" not in det.parties


def test_nationalities_as_people_are_no_side() -> None:
    assert {"israelis", "palestinians", "europeens", "americaine"} <= demonyms()
    det = classify_text("Thousands of Israelis sue Meta over hate speech moderation")
    assert det.labels and det.parties == ("Meta",)
    det = classify_text(
        "Meta condamné pour avoir transféré des données d'Européens vers les États-Unis", lang="fr"
    )
    assert det.labels and det.parties == ("Meta",)


def test_a_show_episode_takes_its_sides_from_the_headline() -> None:
    det = classify_text(
        "Le Journal Tech : Zorbly sanctionné par la CNIL par Jane Roe - 16/09",
        "Ce lundi, dans Le Journal Tech, Jane Roe est revenue sur l'amende de Zorbly, le "
        "rachat de Krandle par Amazon et la panne de Google.",
        lang="fr",
    )
    assert det.labels and set(det.parties) == {"CNIL", "Zorbly"}
    # Without the byline and date, the summary's sides count.
    det = classify_text(
        "Zorbly sanctionné par la CNIL",
        "La CNIL reproche à Zorbly et à Google des cookies déposés sans consentement.",
        lang="fr",
    )
    assert "Google" in det.parties


def test_a_name_before_a_noun_saying_what_is_at_stake_is_no_side() -> None:
    det = classify_text("Parents sue TikTok as Zorbly Challenge videos keep spreading")
    assert det.labels and det.parties == ("TikTok",)
    det = classify_text("Krandle fined for hiding Zorbly membership fees", "")
    assert "Zorbly" not in det.parties


def test_a_role_with_its_full_stop_introduces_a_person_and_suffixes_tell_people() -> None:
    det = classify_text("Federal judge blocks Gov. Jane Roe's social media law")
    assert not any("Roe" in p for p in det.parties)
    assert is_person("Krandle Roe Jr.")
    assert not is_person("Zorbly Labs")


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("US ISP blocks access to Twitter and Facebook", "ISP"),
        ("Denmark bans Gmail and Co from schools", "Co"),
        ("Meta sued by moderators who worked for a Nairobi contractor", "Nairobi"),
    ],
)
def test_common_words_and_places_are_no_side(title: str, word: str) -> None:
    det = classify_text(title)
    assert det.labels
    assert word not in det.parties


def test_capitals_and_continents_are_places_not_names() -> None:
    det = classify_text(
        "Apple attaqué en justice par Zorbly",
        "Kinshasa et l'Amérique du Sud regardent le procès intenté par Zorbly contre Apple.",
        lang="fr",
    )
    assert det.labels and set(det.parties) == {"Apple", "Zorbly"}


def test_a_kicker_country_says_where_when_its_court_acts() -> None:
    det = classify_text("Brésil : la Cour suprême confirme la suspension de Zorbly", lang="fr")
    assert det.labels and "Brazilian government" not in det.parties
    # With no court, prosecutor or regulator named, the kicker country is the one acting.
    det = classify_text("Somalie : le gouvernement interdit TikTok et Telegram", lang="fr")
    assert "Somali government" in det.parties


def test_a_country_a_summary_only_qualifies_is_no_side_unless_it_asks() -> None:
    title = "La CNIL inflige une amende record à Google pour ses cookies"
    det = classify_text(
        title,
        "La sanction vise des données envoyées au Kenya après l'invasion de l'Ukraine et vers "
        "la frontière avec le Mexique.",
        lang="fr",
    )
    assert det.labels and set(det.parties) == {"CNIL", "Google"}
    det = classify_text(title, "Google a cédé à la demande de la Russie, selon la CNIL.", lang="fr")
    assert "Russian government" in det.parties


def test_an_owner_opening_the_headline_is_a_side_unless_he_speaks_for_his_company() -> None:
    det = classify_text("Elon Musk denies misleading Tesla investors in securities lawsuit")
    assert det.labels and set(det.parties) == {"Elon Musk", "Tesla"}
    det = classify_text("Musk says X will sue Zorbly over ad boycott")
    assert det.labels and "Elon Musk" not in det.parties


def test_every_name_of_a_list_undergoes_the_dispute() -> None:
    det = classify_text("Meta sues Zorbly, Jane Roe over scraping")
    assert det.labels and set(det.parties) == {"Meta", "Zorbly", "Jane Roe"}


def test_initials_and_suffixes_end_no_clause_and_i_names_are_names() -> None:
    det = classify_text("Jane F. Roe Jr. sues Meta over shadowban")
    assert det.labels and set(det.parties) == {"Meta", "Jane F. Roe Jr."}
    det = classify_text("Apple will remove iZorb from the App Store")
    assert det.labels and set(det.parties) == {"Apple", "iZorb"}


def test_a_head_of_state_stands_for_the_government() -> None:
    det = classify_text("Erdogan blocks Wikipedia nationwide")
    assert det.labels and set(det.parties) == {"Turkish government", "Wikimedia"}
    det = classify_text("Turquie : pourquoi le régime d'Erdogan bloque l'accès à Zorbly", lang="fr")
    assert det.labels and set(det.parties) == {"Turkish government", "Zorbly"}


def test_more_ways_people_write_a_side() -> None:
    det = classify_text("Trump social media firm subpoenaed by SEC")
    assert det.labels and set(det.parties) == {"Trump Media", "SEC"}
    det = classify_text("Pourquoi la République démocratique du Congo poursuit Apple", lang="fr")
    assert det.labels and set(det.parties) == {"Congolese government", "Apple"}
    assert canonical_party("iPadOS") == "Apple"


def test_a_country_an_export_goes_to_is_a_destination() -> None:
    det = classify_text("US bans export of Nvidia chips to China")
    assert det.labels and set(det.parties) == {"US government", "Nvidia"}


def test_a_capitalised_verb_ends_the_name_before_it() -> None:
    assert unknown_names("Dutch ISPs Block Zorbly after court order", []) == [
        "Dutch ISPs",
        "Zorbly",
    ]


def test_french_ministers_irish_commission_and_the_european_executive() -> None:
    det = classify_text(
        "Le ministre de l'Éducation nationale saisit la justice contre Zorbly", lang="fr"
    )
    assert "French government" in det.parties
    det = classify_text(
        "Meta écope d'une amende",
        "La Commission irlandaise pour la protection des données a infligé une sanction à Meta.",
        lang="fr",
    )
    assert "Irish DPC" in det.parties
    assert "European Commission" not in det.parties
    det = classify_text(
        "La Commission européenne bannit Zorbly des téléphones de ses employés",
        "L'exécutif européen a demandé à ses salariés de désinstaller l'application.",
        lang="fr",
    )
    assert "French government" not in det.parties


def test_company_names_that_are_common_words_need_their_capital() -> None:
    assert find_parties("The ban may hinge on a court ruling") == []
    assert find_parties("Zorbly refuse de parler au peloton de tête") == []
    assert [m.name for m in find_parties("Parler sues Hinge")] == ["Parler", "Match Group"]


def test_an_ambiguous_headline_name_finds_its_context_in_the_summary() -> None:
    title = "Zorbly tells Brazil it won't block X until its assets are unfrozen"
    det = classify_text(title, "More than one Musk company is fighting a Brazilian judge.")
    assert "X" in det.parties
    det = classify_text(title, "The satellite firm disputes the order.")
    assert "X" not in det.parties
    assert [m.name for m in find_parties("Visa and Plaid abandon merger")] == ["Visa", "Plaid"]


def test_a_group_is_a_side_when_the_story_has_one_other_side_at_most() -> None:
    det = classify_text("Appeals court seems lost on how Internet Archive harms publishers")
    assert det.labels and set(det.parties) == {"Internet Archive", "publishers"}
    det = classify_text("ISPs ask court to block FCC net neutrality rules")
    assert "ISPs" in det.parties


def test_a_country_before_a_noun_saying_what_is_at_stake_is_the_topic() -> None:
    det = classify_text("Refugees sue Meta for $150 billion over Myanmar genocide")
    assert det.labels and "Myanmar" not in det.parties
    det = classify_text("Zorbly sues Meta over Russia election ads")
    assert det.labels and set(det.parties) == {"Meta", "Zorbly"}


def test_an_authority_a_story_is_reported_to_is_no_side() -> None:
    det = classify_text(
        "Poupées illicites : Zorbly signalé à la justice française par le gouvernement",
        "La plateforme risque une amende et une suspension.",
        lang="fr",
    )
    assert det.labels and "French judiciary" not in det.parties
    assert "French government" in det.parties


def test_a_role_before_a_colon_introduces_no_one() -> None:
    assert unknown_names("Judge: Jane Roe forged documents to support her claim", []) == [
        "Jane Roe"
    ]
    assert unknown_names("Judge Jane Roe rules against Zorbly", []) == ["Zorbly"]


def test_la_cour_supreme_is_the_named_country_s_when_it_cuts_off() -> None:
    det = classify_text(
        "Brésil : un juge de la Cour suprême ordonne de suspendre Zorbly sur tout le territoire",
        lang="fr",
    )
    assert det.labels and set(det.parties) == {"Brazil Supreme Court", "Zorbly"}
    det = classify_text("La Cour suprême américaine confirme l'interdiction de TikTok", lang="fr")
    assert "Brazil Supreme Court" not in det.parties


def test_an_outlet_a_story_is_sourced_to_is_no_side() -> None:
    det = classify_text(
        "Apple sues Zorbly over stolen chip designs",
        "The lawsuit, filed on Monday, seeks damages (via Reuters). Zorbly denies the claims.",
    )
    assert det.labels and set(det.parties) == {"Apple", "Zorbly"}
    det = classify_text(
        "Meta fined €200 million by Italian regulator over ads",
        "The fine follows a two-year probe, according to Reuters.",
    )
    assert det.labels and "Reuters" not in det.parties
    det = classify_text(
        "Zorbly attaque Google en justice",
        "La plateforme réclame des dommages et intérêts, selon Reuters.",
        lang="fr",
    )
    assert det.labels and set(det.parties) == {"Google", "Zorbly"}
    # A news agency that is itself a side stays one.
    det = classify_text("Thomson Reuters sues Zorbly over copied legal summaries")
    assert det.labels and "Reuters" in det.parties


def test_a_group_keeps_the_country_written_before_it() -> None:
    assert group_names("UK ISPs must block Zorbly") == [(0, 7, "UK ISPs")]
    assert group_names("Court orders Dutch ISPs to block Zorbly") == [(13, 23, "Dutch ISPs")]
    assert group_names("Court orders ISPs to block Zorbly") == [(13, 17, "ISPs")]
    det = classify_text("UK ISPs quietly start blocking Zorbly proxies")
    assert det.labels and "UK ISPs" in det.parties and "ISPs" not in det.parties


def test_an_outlet_the_gazetteer_lacks_is_no_side_when_sourced_to() -> None:
    assert unknown_names("The suit was filed on Friday, reports Zorblynews.", []) == []
    assert unknown_names("The fine is due next week (via Zorblynews).", []) == []
    assert unknown_names("According to the filing, Krandle must pay.", []) == ["Krandle"]
    assert unknown_names("Following the ruling, Krandle must pay.", []) == ["Krandle"]
    det = classify_text(
        "Apple sues Zorbly over leaked chip designs",
        "According to the complaint, Zorbly hired three engineers, reports Krandlewire.",
    )
    assert det.labels and set(det.parties) == {"Apple", "Zorbly"}


def test_the_united_states_justice_department_is_the_doj() -> None:
    assert canonical_party("United States Department of Justice") == "US DOJ"
    assert canonical_party("United States Justice Department") == "US DOJ"


def test_a_name_saying_what_a_thing_runs_on_is_no_side() -> None:
    det = classify_text("Zorbly bans Firefox on ARM-based laptops, Mozilla says")
    assert det.labels and "Arm" not in det.parties
    det = classify_text("Arm sues Zorbly over chip licence")
    assert det.labels and "Arm" in det.parties


def test_a_short_form_of_a_party_named_in_full_is_that_party() -> None:
    det = classify_text(
        "European Commission fines Zorbly €40 million over app store rules",
        "The Commission said Zorbly blocked rival stores. The EC added that it may fine it again.",
    )
    assert det.labels and set(det.parties) == {"European Commission", "Zorbly"}
