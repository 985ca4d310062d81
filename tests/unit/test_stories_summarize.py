"""Extractive summaries: sentence splitting, boilerplate, ranking, limits, real feed items."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.stories.summarize import (
    MAX_CHARS,
    boilerplate_forms,
    clean_text,
    is_teaser,
    richest_text,
    split_sentences,
    summarize,
)

BOILERPLATE = re.compile(
    r"read more|continue reading|appeared first on|lire la suite|est apparu en premier|"
    r"temps de lecture|publicit[ée]\b|share on|partager sur|image credit|\[…\]|\[\.\.\.\]|"
    r"^by [A-Z]|anonymous reader|reader \S+ writes:|of this story at|remaining paragraphs|"
    r"^enlarge\b|\(credit:|affiliate (disclosure|links)|^image:|"
    r"^(from a report|\w+ reports):",
    re.IGNORECASE,
)


def test_sentences_keep_abbreviations_initials_and_french_quotes_whole() -> None:
    text = (
        "The U.S. Justice Department sued Apple Inc. on Thursday. Dr. Lee, e.g. the lead "
        "counsel, spoke first. M. Dupont a déclaré\u00a0: « Nous ferons appel. C'est "
        "inacceptable. » Le juge a tranché\u202f! Puis l'audience a repris."
    )
    assert split_sentences(text) == [
        "The U.S. Justice Department sued Apple Inc. on Thursday.",
        "Dr. Lee, e.g. the lead counsel, spoke first.",
        "M. Dupont a déclaré : « Nous ferons appel. C'est inacceptable. »",
        "Le juge a tranché !",
        "Puis l'audience a repris.",
    ]


def test_a_full_stop_inside_brackets_ends_no_sentence() -> None:
    text = (
        "The town of Zorbly, NY, (pop. 5,079) sued the app maker. Its mayor spoke first. "
        "(Not every reader can open the video.) The case starts in May."
    )
    assert split_sentences(text) == [
        "The town of Zorbly, NY, (pop. 5,079) sued the app maker.",
        "Its mayor spoke first.",
        "(Not every reader can open the video.)",
        "The case starts in May.",
    ]


def test_boilerplate_is_removed() -> None:
    text = "\n".join(
        [
            "By Jane Doe",
            "Temps de lecture : 3 min.",
            "Publicité",
            "Apple pulled the app on Monday. [\u2026]",
            "Share on Facebook",
            "Image credits: Getty",
            "Read more",
            "The post Apple pulls app appeared first on Example News.",
            "L'article Apple retire l'appli est apparu en premier sur Exemple.",
            "Le studio conteste la décision. Lire la suite",
        ]
    )
    cleaned = clean_text(text)
    assert cleaned == "Apple pulled the app on Monday.\nLe studio conteste la décision."


def test_long_single_line_text_is_never_dropped_whole() -> None:
    text = "Photo: Getty Images Apple said on Monday it would appeal the ruling. " * 3
    assert clean_text(text).startswith("Apple said on Monday")


LONG = (
    "The weather in Cupertino was mild this week. "
    "Apple removed Fortnite from the App Store on August 13, 2020, after Epic Games added a "
    "direct payment option. "
    "Fans posted memes about the game all afternoon. "
    "Epic Games sued Apple the same day, saying the 30% commission, worth $15 billion a year, "
    "breaks antitrust law. "
    "Many players said they would wait for the next season."
)


def test_summary_prefers_dispute_sentences_and_keeps_their_order() -> None:
    summary = summarize(LONG, title="Apple pulls Fortnite", parties=["Apple", "Epic Games"])
    assert summary.startswith("Apple removed Fortnite")
    assert "Epic Games sued Apple" in summary
    assert summary.index("Apple removed") < summary.index("Epic Games sued")
    assert "weather" not in summary and "memes" not in summary
    assert len(summary) <= MAX_CHARS


def test_summary_limits() -> None:
    summary = summarize(LONG + " " + LONG, max_chars=200)
    assert len(summary) <= 200
    one_long = "Apple sued Epic " + "very " * 200 + "hard."
    cut = summarize(one_long)
    assert len(cut) <= MAX_CHARS and cut.endswith("…")
    assert len(split_sentences(summarize(LONG))) <= 3


def test_title_only_items_summarise_to_the_title() -> None:
    assert summarize("", title="X sues Media Matters") == "X sues Media Matters"
    assert richest_text("T", "", "") == "T"
    assert richest_text("T", "short summary", "") == "short summary"
    assert richest_text("T", "short", "a longer content text") == "a longer content text"


def test_teaser_detection() -> None:
    assert is_teaser("Apple pulled the app. Read more")
    assert not is_teaser(LONG)


def test_french_summary_stays_french() -> None:
    text = (
        "Le temps était doux à Paris. "
        "Le 3 mars 2024, la Commission européenne a infligé une amende de 1,8 milliard d'euros "
        "à Apple. « Nous ferons appel », a réagi Apple. Lire la suite"
    )
    summary = summarize(text, parties=["Apple", "European Commission"])
    assert summary.startswith("Le 3 mars 2024")
    assert "Lire la suite" not in summary and "temps" not in summary


@pytest.mark.shared_data
def test_seed_article_summary_reads_well(shared_data: Path) -> None:
    text = (shared_data / "seed-article.md").read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if len(line) > 20)
    summary = summarize(text, title=title, parties=["Microsoft", "X"])
    assert 100 <= len(summary) <= MAX_CHARS
    assert 2 <= len(split_sentences(summary)) <= 3
    assert not BOILERPLATE.search(summary)
    assert "Microsoft" in summary and "Twitter" in summary
    assert summary[0].isupper() and summary.rstrip()[-1] in ".!?»”"


@pytest.mark.shared_data
def test_real_feed_items_summarise_without_boilerplate(shared_data: Path) -> None:
    from bot.feeds.parse import parse_feed

    count = 0
    for path in sorted((shared_data / "feeds").iterdir()):
        parsed = parse_feed(
            path.read_bytes(), base_url="https://example.com/", now=datetime.now(UTC)
        )
        for item in parsed.items:
            text = richest_text(item.title, item.summary, item.content)
            summary = summarize(text, title=item.title)
            assert summary, item.title
            assert len(summary) <= MAX_CHARS, item.title
            assert not BOILERPLATE.search(summary), (item.title, summary)
            assert "Enlarge" not in summary[:10]
            assert not summary.startswith("Illustration by")
            count += 1
    assert count > 50


def test_related_article_boxes_are_removed() -> None:
    text = (
        "The regulator opened a formal case against the app maker on Monday. "
        "Editor's Pick Phone maker confirms a delay ‘in the coming weeks’ The company said it "
        "would answer the complaint. Related: Ten tips for a better battery life"
    )
    cleaned = clean_text(text)
    assert "Editor" not in cleaned and "Ten tips" not in cleaned
    assert "formal case" in cleaned and "answer the complaint" in cleaned


# One case per boilerplate form of bot/stories/data/boilerplate.json, on text written for the
# test in the shape the outlets use: (text, a part that must stay, a part that must go).
KEEP = "The regulator fined the app maker on Monday."
KEEP_FR = "Le régulateur a condamné l'éditeur de l'application lundi."
FORM_CASES: dict[str, tuple[str, str, str]] = {
    "programme_promo": (
        f"{KEEP_FR} Retrouvez l'émission du lundi au jeudi et réécoutez-la en podcast.",
        KEEP_FR,
        "podcast",
    ),
    "presenter_credit": (
        "📌 Zorbly accuse Exemple de fraude 📌 Exemple suspend ses ventes 🎙️ Jeanne Roux",
        "Exemple suspend ses ventes",
        "Jeanne",
    ),
    "roundup_pointer": (
        f"{KEEP} For more details on what to expect, check out our rumor roundup page for the "
        "Zorbly Phone.",
        KEEP,
        "roundup",
    ),
    "deal_card_labels": (
        f"{KEEP} What's the deal? Get $60 off the Zorbly Pods Where can I get it? Zorbly Store",
        "Get $60 off the Zorbly Pods",
        "deal?",
    ),
    "call_in_invite": (
        f"{KEEP_FR} Vous pouvez réagir au 01.23.45.67.89.",
        KEEP_FR,
        "réagir",
    ),
    "from_organisation_leadin": (
        f"{KEEP} From the City of Zorbly Police Department in Ohio: {KEEP}",
        KEEP,
        "Police",
    ),
    "link_note": (
        f"{KEEP} (Link does not require a subscription to their site.)",
        KEEP,
        "subscription",
    ),
    "prime_signup_reminder": (
        f"{KEEP} Remember that you can sign up for Zorbly Prime for free for one month.",
        KEEP,
        "Remember",
    ),
    "wire_initials_tag": (f"{KEEP_FR} (lch/x)", KEEP_FR, "lch"),
    "link_placeholder": (
        f"Visit Link {KEEP} It is on the App Store [Direct Link].",
        f"{KEEP} It is on the App Store.",
        "Link",
    ),
    "live_follow_line": (
        f"{KEEP_FR} Suivez les actualités de la guerre de ce mardi 24 février.",
        KEEP_FR,
        "Suivez",
    ),
    "affiliate_partner_note": (
        f"{KEEP} Note: Example Rumors is an affiliate partner with Zorbly Store.",
        KEEP,
        "affiliate",
    ),
    "channel_promo": (
        f"{KEEP} Subscribe to the Example Rumors YouTube channel for more videos.",
        KEEP,
        "Subscribe",
    ),
    "app_download_button": (
        f"{KEEP_FR} Zorbly Télécharger Zorbly gratuitement APK La suite.",
        KEEP_FR,
        "Télécharger",
    ),
    "embed_placeholder": (f"{KEEP_FR} Lien YouTube Et après ?", KEEP_FR, "Lien YouTube"),
    "where_to_buy": (f"{KEEP_FR} Où acheter le Zorbly Phone au meilleur prix ?", KEEP_FR, "Où"),
    "design_credit_heading": (
        f"Design by Studio Exemple (Lyon, France) Related links {KEEP} Studio Exemple provided "
        "text",
        KEEP,
        "provided",
    ),
    "see_more_box": (f"Pour aller plus loin {KEEP_FR}", KEEP_FR, "Pour aller"),
    "review_unit_disclosure": (
        f"{KEEP_FR} Ce test a été réalisé avec un modèle prêté par la marque.",
        KEEP_FR,
        "prêté",
    ),
    "quoted_series_title": (f"« Histoires de familles ». {KEEP_FR}", KEEP_FR, "Histoires"),
    "capitals_label_sentence": (f"{KEEP_FR} L'ÉDITO DE JEANNE EXEMPLE.", KEEP_FR, "ÉDITO"),
    "live_questions_invite": (
        f"{KEEP_FR} Posez vos questions à nos journalistes Jeanne Exemple et Paul Test dès "
        "21 heures.",
        KEEP_FR,
        "Posez",
    ),
    "fr_rubric_prefix": (f"DÉCRYPTAGE - {KEEP_FR}", KEEP_FR, "DÉCRYPTAGE"),
    "series_episode_label": (
        f"« Les applis et nous » (3/6). {KEEP_FR} « Les applis et nous » (3/6).",
        KEEP_FR,
        "(3/6)",
    ),
    "sponsored_travel_disclosure": (
        "Zorbly provided flights and a hotel so Example Wire could see the new phone. "
        f"Example Wire does not accept paid editorial content. {KEEP}",
        KEEP,
        "provided flights",
    ),
    "fr_series_intro": (
        "Chaque semaine, Radio Exemple vous propose les coulisses des applis que l'on utilise. "
        f"{KEEP_FR}",
        KEEP_FR,
        "coulisses",
    ),
    "newsletter_edition_opener": (
        f"{KEEP} Welcome to Edition 3.14 of the Launch Digest!",
        KEEP,
        "Welcome to Edition",
    ),
    "fr_show_chronicle": (
        f"{KEEP_FR} Cette chronique est à voir ou écouter du lundi au jeudi dans Tech Matin, "
        "présentée par Jeanne Dupont sur Radio Exemple.",
        KEEP_FR,
        "chronique",
    ),
    "agency_tag_end": (f"{KEEP} (afp)", KEEP, "(afp)"),
    "fr_show_blurb": (
        "Chaque matin, invités et chroniqueurs sont autour du micro de Jeanne Dupont pour "
        f"débattre des actualités du jour. {KEEP_FR}",
        KEEP_FR,
        "chroniqueurs",
    ),
    "anonymous_reader_leadin": (
        f"An anonymous reader quotes a report from Example Daily: {KEEP}",
        KEEP,
        "anonymous reader",
    ),
    "reader_writes_leadin": (
        f"Longtime Slashdot reader jdoe42 writes: {KEEP} Jane Roe writes in a report for "
        "Example Wire: The app is gone.",
        "The app is gone.",
        "writes:",
    ),
    "from_a_report_leadin": (f"{KEEP} From a report: The app is gone.", "app is gone", "From a"),
    "read_more_at_outlet": (f"{KEEP} Read more of this story at Example Dot.", KEEP, "Read more"),
    "further_reading": (f"{KEEP} Further reading: Other Story Here", KEEP, "Further"),
    "thanks_to_reader": (
        f"{KEEP} (Thanks to Slashdot reader jdoe for sharing the news.)",
        KEEP,
        "Thanks",
    ),
    "post_appeared_first": (
        f"{KEEP} The post Regulator fines app maker appeared first on Example News.",
        KEEP,
        "appeared first",
    ),
    "originally_appeared": (
        f"{KEEP} This article originally appeared on Example at https://example.com/a.html",
        KEEP,
        "originally",
    ),
    "article_first_appeared": (
        f'{KEEP} This article, "Regulator Fines App Maker" first appeared on Example.com',
        KEEP,
        "first appeared",
    ),
    "discuss_in_forums": (f"{KEEP} Discuss this article in our forums", KEEP, "Discuss"),
    "related_roundup": (
        f"{KEEP} Related Roundup: Phone 12 Buyer's Guide: Phone (Neutral) Related Forum: Phone",
        KEEP,
        "Roundup",
    ),
    "remaining_paragraphs": (f"{KEEP} Read 9 remaining paragraphs | Comments", KEEP, "remaining"),
    "continue_reading": (f"{KEEP} The ruling follows years... Continue reading…", KEEP, "Continue"),
    "read_more_parenthesis": (f"{KEEP} (Read more...)", KEEP, "Read more"),
    "read_more": (f"{KEEP} Read more", KEEP, "Read more"),
    "hn_links": (
        "Article URL: https://example.com/a Comments URL: https://example.org/item?id=1 "
        "Points: 12 # Comments: 3",
        "",
        "URL",
    ),
    "hn_points": (f"12 points, 3 comments\n{KEEP}", KEEP, "points"),
    "affiliate_disclosure": (
        f"{KEEP} FTC: We use income earning auto affiliate links. More.",
        KEEP,
        "FTC",
    ),
    "affiliate_commission": (
        f"When you buy through links on our site, we may earn an affiliate commission. {KEEP}",
        KEEP,
        "commission",
    ),
    "deals_team": (
        f"{KEEP} The Deals team writes about things we think you'll like, and we may earn more.",
        KEEP,
        "Deals team",
    ),
    "next_headline": (f"{KEEP} NEXT: Phone maker confirms a delay", KEEP, "NEXT"),
    "click_here": (f"{KEEP} To read the full filing, click here.", KEEP, "click"),
    "comments_prompt": (f"{KEEP} Let us know what you think in the comments.", KEEP, "comments"),
    "nineto5_promo": (
        f"{KEEP} You're reading 9to5Example — experts who break news every day.",
        KEEP,
        "experts",
    ),
    "newsletter": (
        f"The Lane is a weekly newsletter about transport. Sign up here to get it. {KEEP}",
        KEEP,
        "newsletter",
    ),
    "sponsored_by": (f"This post is sponsored by Example Labs. {KEEP}", KEEP, "sponsored"),
    "contributor_bio": (
        f"Jane Doe Contributor Jane Doe is a partner at Example Capital. {KEEP}",
        KEEP,
        "Contributor",
    ),
    "opinion_byline": (f"Opinion post by Jane Doe {KEEP}", KEEP, "Opinion"),
    "key_takeaways": (f"Example's key takeaways\n{KEEP}", KEEP, "takeaways"),
    "enlarge_caption": (
        f"Enlarge / A court building in the rain (file photo). (credit: Jane Doe | Example) {KEEP}",
        KEEP,
        "Enlarge",
    ),
    "image_credit_lead": (f"Image: Jane Doe / Example {KEEP}", KEEP, "Image"),
    "credit_parenthesis": (f"{KEEP} (Photo: Jane Doe)", KEEP, "Photo"),
    "illustration_by": (f"Illustration by Jane Doe / Example {KEEP}", KEEP, "Illustration"),
    "agency_credit": (
        f"{KEEP} Photograph: Jane Doe/Getty Images The app maker will appeal.",
        "The app maker will appeal.",
        "Getty",
    ),
    "image_credits_sentence": (
        f"{KEEP} The car, seen from above. Image Credits: Example The maker said nothing.",
        KEEP,
        "Credits",
    ),
    "credit_line": (f"{KEEP}\nCrédit photo : Jean Dupont", KEEP, "Crédit"),
    "byline": (f"By Jane Doe | March 3, 2024\n{KEEP}", KEEP, "Jane Doe"),
    "reading_time": (f"Temps de lecture estimé : environ 3 min. {KEEP}", KEEP, "lecture"),
    "ad_label": (f"Publicité\n{KEEP}", KEEP, "Publicité"),
    "share_buttons": (f"{KEEP}\nShare on Facebook", KEEP, "Share"),
    "social_list": (f"{KEEP}\nFacebook · LinkedIn · Email", KEEP, "LinkedIn"),
    "comments_line": (f"{KEEP}\n12 commentaires", KEEP, "commentaires"),
    "read_also_box": (
        f"{KEEP} À lire aussi : Le juge tranche en faveur de l'éditeur",
        KEEP,
        "lire aussi",
    ),
    "ellipsis_bracket": (f"{KEEP} The app maker said it would […]", KEEP, "[…]"),
    "url": (f"{KEEP} https://example.com/ruling", KEEP, "https"),
    "lire_la_suite": (
        "Le régulateur a infligé une amende à l'éditeur lundi. Lire la suite",
        "amende",
        "Lire la suite",
    ),
    "apparu_en_premier": (
        "Le régulateur a infligé une amende lundi. Cet article Amende record pour l'éditeur "
        "est apparu en premier sur Exemple.",
        "amende lundi.",
        "apparu",
    ),
    "publie_sur": (
        "Le régulateur a infligé une amende lundi. Cet article a été publié initialement sur "
        "Exemple.fr",
        "amende lundi.",
        "publié",
    ),
    "credit_photo_inline": (
        "Crédit photo : Jean Dupont / AFP Le régulateur a infligé une amende lundi.",
        "Le régulateur a infligé une amende lundi.",
        "Crédit",
    ),
    "source_tail": (
        "Le régulateur a infligé une amende lundi. Source : Exemple",
        "amende lundi.",
        "Source",
    ),
    "follow_us": (
        "Le régulateur a infligé une amende lundi. Suivez-nous sur Google Actualités pour ne "
        "rien rater.",
        "amende lundi.",
        "Suivez",
    ),
    "liens_affilies": (
        "Cet article contient des liens affiliés. Le régulateur a infligé une amende lundi.",
        "amende lundi.",
        "affiliés",
    ),
}


def test_every_boilerplate_form_has_a_case() -> None:
    assert {f.name for f in boilerplate_forms()} == set(FORM_CASES)
    assert {f.lang for f in boilerplate_forms()} == {"en", "fr", "any"}


@pytest.mark.parametrize("name", sorted(FORM_CASES))
def test_boilerplate_form(name: str) -> None:
    text, kept, removed = FORM_CASES[name]
    cleaned = clean_text(text)
    assert kept in cleaned, cleaned
    assert removed not in cleaned, cleaned


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        (
            f"{KEEP} Our full Deals Roundup has more information on the latest sales.",
            "Roundup",
        ),
        (
            f"{KEEP} When you click a link and make a purchase, we may receive a small payment, "
            "which helps us keep the site running.",
            "payment",
        ),
        (f"{KEEP} Read our Zorbly OS 2.4 features guide for even more.", "guide"),
        (f"{KEEP} More details from the announcement: The phone ships in May.", "details"),
        (f"{KEEP_FR} Réécoutez l'extrait.", "extrait"),
        (
            f"{KEEP_FR} Le vendredi soir, Jeanne Exemple reçoit un invité pour revenir sur "
            "l'actualité.",
            "invité",
        ),
        (
            f"{KEEP_FR} Chaque jour, entre 9h et 10h, retrouvez Paul Test dans L'Heure Exemple "
            "en direct sur Radio Exemple.",
            "Heure",
        ),
        (f"{KEEP_FR} Le texte continue. (Instagram/cga)", "cga"),
        (f"TRIBUNE/EXEMPLE - {KEEP_FR}", "EXEMPLE"),
        (f"{KEEP_FR} Familles : chacun sa place (6/7)", "Familles"),
        (
            f"{KEEP_FR} Toute l'actualité de la journée analysée et remise en perspective par "
            "Jeanne Exemple.",
            "perspective",
        ),
        (
            f"{KEEP_FR} A l'occasion de nos 60 ans, (re) découvrez 60 articles marquants publiés "
            "par notre magazine depuis sa création.",
            "découvrez",
        ),
        (f"{KEEP} Thank you for listening!", "listening"),
        (f"{KEEP} Listen to The Example Show in Apple Podcasts or your podcasts app.", "Listen"),
        (
            "Thieves used the tags, according to a report from Example News (via Zorbly "
            f"Daily). {KEEP}",
            "Zorbly",
        ),
        (f"{KEEP} Watch a video version of the show on the Example YouTube channel.", "video"),
        (f"{KEEP} Some additional images can be found in this collage at the link.", "collage"),
        (
            f"{KEEP_FR} Jeanne Exemple revient pendant deux heures, sans concession, sur tous "
            "les sujets qui font l'actualité.",
            "concession",
        ),
        (f"{KEEP} The logo is new. (Sample images via Example Living.)", "Sample"),
        (
            f"{KEEP} You can find all the Zorbly deals currently available in our dedicated post.",
            "dedicated",
        ),
        (
            f"{KEEP} Much more on all of the new features of Zorbly OS 3 can be found in our "
            "Zorbly OS 3 roundup.",
            "roundup",
        ),
        (
            f"{KEEP} For additional details on next year's phones, check out our dedicated "
            "rumor roundups for the Zorbly 4 and Zorbly 4 Pro.",
            "roundups",
        ),
        (f"{KEEP} From Zorbly's press release: The phone ships in May.", "press release"),
        (
            f"{KEEP} The Example Show also has its own YouTube channel, so make sure you're "
            "subscribed to keep up with new episodes.",
            "subscribed",
        ),
        (
            f"{KEEP} You can also copy our RSS feed directly into your podcast player.",
            "RSS",
        ),
        (
            f"{KEEP} The Example Show is on X @ExampleShow, so be sure to give us a follow.",
            "follow",
        ),
        (
            f"{KEEP} You can also head over to The Example Show forum thread to talk with us. "
            "Remember to rate and review the podcast.",
            "forum",
        ),
        (
            f"{KEEP} If you haven't already listened to the previous episode of The Example "
            "Show, catch up for our talk about the new phone.",
            "episode",
        ),
        (
            f"{KEEP_FR} Tous les soirs à 18h16, retrouvez un invité qui est au cœur de "
            "l'actualité pour un moment d'échange franc.",
            "invité",
        ),
        (
            f"{KEEP_FR} Chaque samedi et dimanche, Jeanne Roux reçoit un invité au cœur de "
            "l'actualité pour une interview sans concession.",
            "invité",
        ),
    ],
)
def test_more_wordings_of_promotions_pointers_and_affiliate_notes(text: str, removed: str) -> None:
    cleaned = clean_text(text)
    assert (KEEP in cleaned or KEEP_FR in cleaned) and removed not in cleaned, cleaned


def test_a_quoted_statement_alone_is_not_a_series_title() -> None:
    text = f"« Nous ferons appel. » {KEEP_FR}"
    assert clean_text(text) == text


def test_forms_do_not_eat_content() -> None:
    text = (
        "A bill sponsored by two senators would ban the app. Jane Doe writes code for a living. "
        "The judge said the company must pay $5 million. Apple notes that the rule is unfair. "
        "Epic reports that Apple blocked the update for one reason: money."
    )
    assert clean_text(text) == text


def test_slashdot_lead_in_no_longer_leads_the_summary() -> None:
    text = (
        "An anonymous reader quotes a report from Example Rumors: Example Games and other "
        "developers sent a letter asking the European Commission to act against Apple's new "
        "fees, which they say break the Digital Markets Act. Read more of this story at "
        "Example Dot."
    )
    summary = summarize(text, parties=["Apple", "European Commission"])
    assert summary.startswith("Example Games and other developers")
    assert "Read more" not in summary


def test_the_dispute_sentence_leads() -> None:
    text = (
        "The company launched its new phone in Paris on a rainy morning last week. "
        "Prices start at a familiar level for the premium line. "
        "Meanwhile the European Commission fined Apple €500 million for blocking rival apps."
    )
    summary = summarize(text, parties=["Apple", "European Commission"])
    assert summary.startswith("Meanwhile the European Commission fined Apple")
    assert summary.endswith(".") and len(summary) <= MAX_CHARS


def test_sentences_cut_by_the_publisher_are_left_out() -> None:
    text = (
        "Apple removed the app from its store on Monday after a long fight with its maker. "
        "The maker said it would take the case to court this week. Early last year, police "
        "in several... Continue reading…"
    )
    summary = summarize(text, parties=["Apple"])
    assert "police" not in summary and "Continue" not in summary
    assert summary.endswith("this week.")


def test_french_lead_ins_and_footers_are_removed_from_summaries() -> None:
    text = (
        "Temps de lecture : 2 min. Le régulateur a infligé une amende de 50 millions d'euros à "
        "Google pour des pratiques publicitaires abusives. Google a annoncé faire appel. "
        "L'article Amende pour Google est apparu en premier sur Exemple."
    )
    summary = summarize(text, parties=["Google"])
    assert summary.startswith("Le régulateur a infligé")
    assert "apparu" not in summary and "lecture" not in summary


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (f"{KEEP_FR} (Video: AFP/Exemple/chs)", "Video"),
        (f"{KEEP_FR} Suivez toutes les annonces en direct sur Exemple Tech.", "Suivez"),
        (f"{KEEP} Follow our live coverage of the hearing here.", "Follow"),
        (
            f"{KEEP} You can also listen to The Example Show on Apple Podcasts, Spotify, or your "
            "preferred podcasts app.",
            "listen",
        ),
        (f"Design by Studio Exemple (Lyon, France) {KEEP}", "Lyon"),
        (f"{KEEP} Images (opinion after) Opinion follows.", "Images"),
        (f"Réponse tout de suite : Lire l'article. (en anglais). {KEEP_FR}", "anglais"),
    ],
)
def test_more_standing_lines_of_live_pages_and_video_credits(text: str, gone: str) -> None:
    cleaned = clean_text(text)
    assert gone not in cleaned
    assert (KEEP_FR if KEEP_FR in text else KEEP) in cleaned


def test_a_rubric_closed_by_a_full_stop_is_boilerplate() -> None:
    assert clean_text(f"ENTRETIEN. {KEEP_FR}") == KEEP_FR
