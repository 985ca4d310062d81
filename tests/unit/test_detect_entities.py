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


@pytest.mark.parametrize(
    ("text", "party"),
    [
        # Authorities named by description, English (straight and curly apostrophes).
        ("Dutch privacy watchdog fines Uber over driver data", "Autoriteit Persoonsgegevens"),
        ("Japan’s antitrust regulator raids the local office", "JFTC"),
        ("Japanese competition watchdog opens a probe", "JFTC"),
        ("South Korea's antitrust regulator fines the app store", "KFTC"),
        ("Korea’s competition watchdog widens its probe", "KFTC"),
        ("UK competition watchdog blocks the merger", "CMA"),
        ("Britain's competition regulator clears the deal", "CMA"),
        ("UK media regulator opens an investigation", "Ofcom"),
        ("UK data watchdog reprimands the school app", "ICO"),
        ("Irish privacy regulator fines the platform", "Irish DPC"),
        ("Italy's privacy watchdog orders the chatbot blocked", "Garante"),
        ("Italian antitrust authority fines the phone maker", "AGCM"),
        ("German antitrust regulator limits data collection", "Bundeskartellamt"),
        ("India's antitrust regulator orders a probe", "CCI"),
        ("Indian telecom regulator suspends the free plan", "TRAI"),
        ("China's market regulator fines the retailer", "SAMR"),
        ("China's internet regulator summons the app", "Cyberspace Administration of China"),
        ("Australia's competition watchdog sues the search giant", "ACCC"),
        ("US auto safety regulator opens a probe into the driver assistance", "NHTSA"),
        ("U.S. traffic safety agency closes its investigation", "NHTSA"),
        ("US securities regulator sues the exchange", "SEC"),
        ("Norwegian data protection authority bans behavioural ads", "Norwegian DPA"),
        ("Turkey’s telecom regulator blocks the encyclopedia", "BTK"),
        ("The Ninth Circuit reverses the injunction", "Ninth Circuit"),
        ("9th U.S. Circuit Court of Appeals upholds the ruling", "Ninth Circuit"),
        (
            "A judge in the Northern District of California dismissed the suit",
            "Northern District of California",
        ),
        ("Delaware Chancery Court voids the pay package", "Delaware Court of Chancery"),
        ("Germany's Federal Court of Justice rules on data use", "BGH"),
        ("Delhi High Court orders the links removed", "Delhi High Court"),
        ("India's Supreme Court hears the appeal", "Supreme Court of India"),
        ("Competition Appeal Tribunal certifies the class action", "Competition Appeal Tribunal"),
        ("EU's top court backs the privacy ruling", "CJEU"),
        # French descriptors.
        (
            "Le gendarme de la concurrence sanctionne le moteur de recherche",
            "Autorité de la concurrence",
        ),
        ("Le gendarme des télécoms met en demeure l'opérateur", "Arcep"),
        ("Le gendarme de l'audiovisuel saisit la chaîne", "Arcom"),
        ("Le gendarme de la vie privée inflige une amende", "CNIL"),
        ("Le gendarme des données personnelles sanctionne le site", "CNIL"),
        ("Le gendarme boursier enquête sur la start-up", "AMF"),
        ("L’autorité de la concurrence italienne inflige une amende", "AGCM"),
        ("Le régulateur britannique de la concurrence bloque le rachat", "CMA"),
        ("Le gendarme boursier américain poursuit la plateforme", "SEC"),
        ("La CNIL irlandaise inflige une amende record", "Irish DPC"),
        ("L'équivalent irlandais de la CNIL sanctionne le réseau social", "Irish DPC"),
        ("Le Conseil constitutionnel censure la loi", "Conseil constitutionnel"),
    ],
)
def test_authority_descriptors(text: str, party: str) -> None:
    assert party in names(text)


def test_descriptor_is_not_the_government_of_its_country() -> None:
    assert names("Japan's antitrust regulator raids the office") == ["JFTC"]
    assert names("Japan’s FTC raids the office") == ["JFTC"]
    assert names("China's SAMR opens a probe") == ["SAMR"]
    assert names("L'autorité de la concurrence italienne enquête") == ["AGCM"]
    assert names("Canada's top court rules on IP addresses") == ["Supreme Court of Canada"]


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("Dutch DPA", "Autoriteit Persoonsgegevens"),
        ("Datatilsynet", "Norwegian DPA"),
        ("Bundesgerichtshof", "BGH"),
        ("Italian Competition Authority", "AGCM"),
        ("Federal Antimonopoly Service", "FAS"),
        ("Korea Communications Commission", "KCC"),
        ("National Labor Relations Board", "NLRB"),
        ("Office of Foreign Assets Control", "US Treasury"),
        ("Massachusetts attorney general", "Massachusetts AG"),
        ("Ticketmaster", "Ticketmaster"),
    ],
)
def test_authority_and_company_names(alias: str, canonical: str) -> None:
    assert canonical_party(alias) == canonical


@pytest.mark.parametrize(
    ("text", "party"),
    [
        ("The sky is the limit for cloud spending", "Sky"),
        ("Sky Is the Limit for the New Drone Maker", "Sky"),
        ("Honor your commitments, says the new CEO", "Honor"),
        ("A Delta variant wave hits the chip supply", "Delta Air Lines"),
        ("How to tether your phone to a laptop", "Tether"),
        ("Tether Your Phone Without Paying Extra", "Tether"),
        ("ACM Turing Award goes to two cryptographers", "ACM"),
        ("FCA recalls Jeeps over software glitch", "FCA"),
        ("CAT scan images leak from a hospital", "Competition Appeal Tribunal"),
        ("PTA meeting moves online", "Pakistan"),
        ("UPC barcodes get a QR successor", "Unified Patent Court"),
        ("ASIC miners flood the market", "ASIC"),
        ("TSE-listed gaming stocks rise", "Brazil TSE"),
        ("The first circuit board printed in space", "First Circuit"),
        ("Let us house the servers in Iceland", "US Congress"),
        ("A stroke of Genius for the lyric writer", "Genius"),
        ("Yuzu juice sales climb in Japan", "Yuzu"),
        ("Rogers Centre hosts the esports final", "Rogers Communications"),
        ("La BCE relève ses taux", "Bell Canada"),
        ("L'APD est en baisse cette année", "Belgian DPA"),
    ],
)
def test_ambiguous_names_stay_quiet_on_ordinary_words(text: str, party: str) -> None:
    assert party not in names(text)


def test_ambiguous_names_fire_in_context() -> None:
    assert "Sky" in names("Sky drops channels as pay-TV talks with the broadcaster fail")
    assert "Tether" in names("Tether freezes USDT held by sanctioned addresses")
    assert "ACM" in names("Dutch regulator ACM fines Apple over dating apps")
    assert "FCA" in names("UK watchdog FCA orders Revolut to stop onboarding")
    assert "Honor" in names("Honor sues a rival over smartphone patents")
    assert "Competition Appeal Tribunal" in names("CAT certifies UK class action against Google")


def test_a_government_block_names_the_government_and_the_platform() -> None:
    # Two annotators of real news never listed the regulator behind a block as a side.
    assert classify_text("Russia blocks Instagram", lang="en").parties == (
        "Russian government",
        "Meta",
    )


def test_sides_follow_the_guide_on_people_courts_and_places() -> None:
    # A court rules on a dispute and is no side of it.
    det = classify_text("Supreme Court lets Zorbly sue Krandle over its app store rules")
    assert det.labels and det.parties == ("Zorbly", "Krandle")
    det = classify_text("Judge blocks Texas law on social media moderation")
    assert det.labels and det.parties == ("Texas",)
    # A place is no side, the French press's "le gouvernement" is the French government.
    det = classify_text("En France, le gouvernement attaque Shein en justice", lang="fr")
    assert det.labels and set(det.parties) == {"French government", "Shein"}
    det = classify_text("Le gouvernement américain interdit TikTok", lang="fr")
    assert "French government" not in det.parties


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Senegal government", "Senegalese government"),
        ("Government of India", "Indian government"),
        ("noyb", "noyb"),
        ("Texas government", "Texas"),
        ("France government", "French government"),
    ],
)
def test_government_and_group_names_as_people_write_them(written: str, canonical: str) -> None:
    assert canonical_party(written) == canonical


def test_l_etat_is_the_french_state_only_with_its_capital() -> None:
    det = classify_text("L'État demande à la justice de suspendre Shein", lang="fr")
    assert "French government" in det.parties
    assert classify_text("L'état de la tech en 2024", lang="fr").parties == ()


def test_a_nationality_is_not_a_party() -> None:
    det = classify_text("India bans TikTok and 57 other Chinese apps", lang="en")
    assert "Chinese" not in det.parties
    det = classify_text("Zorbly app pulled from South Korean app stores", lang="en")
    assert "South Korean" not in det.parties


def test_a_court_cutting_a_platform_off_is_a_side() -> None:
    det = classify_text("Brazil Supreme Court orders Zorbly suspended nationwide")
    assert "cutoff" in det.labels and set(det.parties) == {"Brazil Supreme Court", "Zorbly"}
    title = "Un juge de la Cour suprême brésilienne ordonne de suspendre le réseau social X"
    det = classify_text(title, lang="fr")
    assert "cutoff" in det.labels and set(det.parties) == {"Brazil Supreme Court", "X"}


@pytest.mark.parametrize(
    ("title", "lang", "government"),
    [
        ("Apple fined $12 million in Italy over App Store terms", "en", "Italian government"),
        ("Meta condamné aux États-Unis pour pratiques trompeuses", "fr", "US government"),
        ("Zorbly sues Krandle from Germany over patents", "en", "German government"),
    ],
)
def test_a_country_that_only_says_where_is_no_side(title: str, lang: str, government: str) -> None:
    det = classify_text(title, lang=lang)
    assert det.labels and government not in det.parties


@pytest.mark.parametrize(
    ("title", "lang", "government"),
    [
        ("Zorbly app banned in Russia after a court order", "en", "Russian government"),
        ("TikTok bloqué en Turquie depuis mardi", "fr", "Turkish government"),
        ("Apple fined by Italy over App Store terms", "en", "Italian government"),
    ],
)
def test_a_country_where_a_cutoff_holds_or_that_acts_is_a_side(
    title: str, lang: str, government: str
) -> None:
    det = classify_text(title, lang=lang)
    assert det.labels and government in det.parties


def test_le_gouvernement_is_another_country_s_when_the_headline_names_one() -> None:
    det = classify_text("Somalie : le gouvernement interdit TikTok et Telegram", lang="fr")
    assert "French government" not in det.parties
    assert "Somali government" in det.parties


def test_a_person_acting_or_targeted_is_a_side_even_next_to_a_company() -> None:
    # Musk acts for himself here, next to a company of his own named elsewhere in the story.
    det = classify_text("Elon Musk sues OpenAI, says Tesla was not involved")
    assert {"Elon Musk", "OpenAI"} <= set(det.parties)
    det = classify_text("Tesla investors sue Elon Musk over pay package")
    assert "Elon Musk" in det.parties
    # The owner written before his company is not a side of his own.
    det = classify_text("Elon Musk's X sues Media Matters over report")
    assert det.parties == ("X", "Media Matters")
    det = classify_text("Brazil blocks Elon Musk's X nationwide")
    assert "Elon Musk" not in det.parties


def test_a_person_the_gazetteer_lacks_is_a_side_only_when_acting_or_targeted() -> None:
    det = classify_text("Spotify removes Jane Roe's podcast after complaints")
    assert set(det.parties) == {"Spotify", "Jane Roe"}
    det = classify_text("YouTube sued by Jane Roe over channel takedown")
    assert set(det.parties) == {"YouTube", "Jane Roe"}
    # A bystander: the subject of a film, a commentator.
    det = classify_text("Netflix sued over documentary about singer Jane Roe")
    assert det.labels and det.parties == ("Netflix",)
    det = classify_text("Meta sued over data sharing, says Senator Jane Roe")
    assert det.labels and det.parties == ("Meta",)


def test_laws_and_stray_plurals_are_no_new_sides() -> None:
    det = classify_text("EU probes Meta under the Digital Services Act")
    assert set(det.parties) == {"European Commission", "Meta"}
    det = classify_text("Oracle seeks $9B for Googles use of Java")
    assert set(det.parties) == {"Oracle", "Google"}


def test_country_initials_acting_are_the_government_and_its_litigant_sues() -> None:
    det = classify_text("US bans Zorbly app over security fears")
    assert "cutoff" in det.labels and set(det.parties) == {"US government", "Zorbly"}
    # In a legal story, the US government suing is the Justice Department.
    det = classify_text("US sues Zorbly over rental-pricing algorithm")
    assert det.labels == ("legal",) and set(det.parties) == {"US DOJ", "Zorbly"}
    # Before a noun, the initials only say whose.
    det = classify_text("US appeals court upholds Zorbly ruling")
    assert "US government" not in det.parties and "US DOJ" not in det.parties
    # Sued, the government stays itself.
    det = classify_text("Anthropic attaque le gouvernement Trump en justice", lang="fr")
    assert set(det.parties) == {"Anthropic", "US government"}


def test_descriptions_of_authorities_people_write() -> None:
    det = classify_text("UK watchdog opens investigation into Amazon's marketplace practices")
    assert set(det.parties) == {"CMA", "Amazon"}
    # Not for every UK watchdog: a data breach is no competition case.
    assert "CMA" not in classify_text("UK watchdog fines Zorbly over data breach").parties
    det = classify_text("Google devant la justice américaine pour abus de position dominante")
    assert set(det.parties) == {"Google", "US DOJ"}
    det = classify_text("Pavel Dourov mis en examen par la justice française", lang="fr")
    assert set(det.parties) == {"Telegram", "French judiciary"}


def test_eu_before_a_plain_noun_is_no_side() -> None:
    det = classify_text("Zorbly files antitrust complaint against Microsoft in EU cloud deal")
    assert "European Commission" not in det.parties
    det = classify_text("EU fines Apple over App Store rules")
    assert set(det.parties) == {"European Commission", "Apple"}


def test_us_states_are_sides_but_no_authority_for_the_rules() -> None:
    det = classify_text("Judge tears apart Florida social media law over free speech")
    assert det.labels and det.parties == ("Florida",)
    # A state before a noun only says where or whose.
    det = classify_text("Ohio retirement fund sues Meta over losses")
    assert det.labels and det.parties == ("Meta",)
    # A state's general law is not a cutoff of anyone: the rules do not read it as acting.
    assert classify_text("New Jersey bans paper bags").labels == ()


def test_france_acting_is_the_french_government_but_no_actor_for_the_rules() -> None:
    det = classify_text("La France demande au réseau social Zorbly de supprimer des contenus")
    assert "French government" in det.parties
    # "France" in a name or as a place is not the government.
    det = classify_text("Zorbly poursuit France Télévisions en justice", lang="fr")
    assert "French government" not in det.parties
    det = classify_text("Apple condamné en France à une amende de 5 millions d'euros", lang="fr")
    assert det.labels and "French government" not in det.parties


def test_a_group_goes_by_its_best_known_company_and_surnames_are_no_companies() -> None:
    det = classify_text("Procédures d'infraction lancées contre Apple, Alphabet et Meta", lang="fr")
    assert "Google" in det.parties and "Alphabet" not in det.parties
    det = classify_text(
        "Des doubleurs attaquent Zorbly en justice",
        "Les voix de Julia Roberts et Harrison Ford accusent Zorbly de copier leurs voix.",
        lang="fr",
    )
    assert "Ford" not in det.parties and "Harrison" not in det.parties


def test_a_general_body_yields_to_the_specific_one_named() -> None:
    det = classify_text(
        "La justice française ouvre une enquête contre Zorbly",
        "Le parquet de Paris a ouvert une enquête pénale visant la plateforme.",
        lang="fr",
    )
    assert det.labels == ("legal",)
    assert "Paris prosecutor" in det.parties and "French judiciary" not in det.parties


def test_a_group_acting_or_targeted_is_a_side_as_written() -> None:
    # Sides are only resolved for a story: the round-5 model gives "...for copyright
    # infringement" legal 0.331 against the English threshold 0.419, "...over..." 0.55.
    det = classify_text("Record labels sue Zorbly over copyright infringement")
    assert set(det.parties) == {"Record labels", "Zorbly"}
    det = classify_text("Zorbly library must pay publishers $30M, court rules")
    assert "publishers" in det.parties
    # A group only mentioned is no side.
    det = classify_text("Zorbly sued by Krandle over a deal with publishers")
    assert "publishers" not in det.parties


def test_an_unknown_name_that_only_says_what_about_is_no_side() -> None:
    det = classify_text("Microsoft fined over bundling of Zorbly Chat and Krandle Docs")
    assert det.labels and det.parties == ("Microsoft",)
    # Unless it acts or undergoes the dispute.
    det = classify_text("Apple removes Zorbly Chat from the App Store over payments")
    assert "Zorbly Chat" in det.parties


def test_another_commission_or_a_destination_is_no_side() -> None:
    det = classify_text("Shein : une commission de l'Assemblée va saisir la justice", lang="fr")
    assert "European Commission" not in det.parties
    det = classify_text(
        "Meta condamné à une amende record pour des transferts de données vers les États-Unis",
        lang="fr",
    )
    assert det.labels and "US government" not in det.parties


def test_a_country_before_by_court_order_is_where_a_cutoff_holds() -> None:
    det = classify_text("Roblox blocked in Turkey by court order over child safety")
    assert "Turkish government" in det.parties
