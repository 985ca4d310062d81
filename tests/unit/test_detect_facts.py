"""Facts: effective dates, money amounts with currency and period, quotes with speakers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.detect import classify_text
from bot.detect.facts import extract_facts, format_amount, is_statement


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The change applies starting April 25, 2023 for every partner.", "en", date(2023, 4, 25)),
        ("Support ends on 3 March 2025, the company said.", "en", date(2025, 3, 3)),
        ("Le service s'arrête à partir du 25 avril 2023.", "fr", date(2023, 4, 25)),
        ("Dès le 1er mai 2024, l'accès sera payant.", "fr", date(2024, 5, 1)),
        ("Effective 2024-07-01, the API is paid.", "en", date(2024, 7, 1)),
    ],
)
def test_dates_with_a_year_are_taken_as_written(text: str, lang: str, expected: date) -> None:
    published = datetime(2026, 12, 10, tzinfo=UTC)
    assert expected in [d.when for d in extract_facts(text, lang, published=published).dates]


DECEMBER = datetime(2023, 12, 12, 9, 0, tzinfo=UTC)
JUNE = datetime(2023, 6, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "lang", "published", "expected"),
    [
        # Future wording in December: next year's April.
        ("Access ends starting April 25 for all partners.", "en", DECEMBER, date(2024, 4, 25)),
        ("The new fees apply from April 25.", "en", DECEMBER, date(2024, 4, 25)),
        ("The company will shut the service on April 25.", "en", DECEMBER, date(2024, 4, 25)),
        ("L'accès sera coupé à partir du 25 avril.", "fr", DECEMBER, date(2024, 4, 25)),
        ("Les tarifs changeront dès le 1er mars.", "fr", DECEMBER, date(2024, 3, 1)),
        # Past wording: the April before publication.
        ("Microsoft said on April 25 that it dropped the tool.", "en", DECEMBER, date(2023, 4, 25)),
        ("Microsoft a annoncé le 25 avril l'arrêt de l'outil.", "fr", DECEMBER, date(2023, 4, 25)),
        # Past wording in June about April is this year; future wording about May too.
        ("The regulator fined the firm on April 25.", "en", JUNE, date(2023, 4, 25)),
        ("The ban takes effect on May 30.", "en", DECEMBER, date(2024, 5, 30)),
        # No tense: the nearest occurrence (January after a December article).
        ("Hearing: January 8.", "en", DECEMBER, date(2024, 1, 8)),
        # The nearest cue decides: said ... that it will, on the date after 'will'.
        (
            "Apple said last week that it will block the app on February 2.",
            "en",
            DECEMBER,
            date(2024, 2, 2),
        ),
    ],
)
def test_dates_without_a_year_follow_the_tense(
    text: str, lang: str, published: datetime, expected: date
) -> None:
    dates = extract_facts(text, lang, published=published).dates
    assert [d.when for d in dates] == [expected]


def test_without_a_publication_date_today_is_the_reference() -> None:
    today = datetime.now(UTC).date()
    dates = extract_facts("The rules apply starting January 1.", "en").dates
    assert dates and dates[0].when >= today


def test_may_the_verb_is_not_a_date() -> None:
    facts = extract_facts("Regulators may 12 times decide otherwise", "en", published=JUNE)
    assert facts.dates == ()


@pytest.mark.parametrize(
    ("text", "lang", "value", "currency", "period", "shown"),
    [
        ("Access now costs $42,000 a month.", "en", 42000, "USD", "month", "$42,000 a month"),
        ("L'accès coûte 42 000 dollars par mois.", "fr", 42000, "USD", "month", None),
        ("The EU fined the company €2.4 billion.", "en", 2.4e9, "EUR", None, "€2.4 billion"),
        ("The EU fined the company €1.2bn.", "en", 1.2e9, "EUR", None, "€1.2 billion"),
        (
            "Une amende de 1,2 milliard d'euros a été confirmée.",
            "fr",
            1.2e9,
            "EUR",
            None,
            "1,2 milliard €",
        ),
        ("It will pay £1.5m per year in fees.", "en", 1.5e6, "GBP", "year", "£1.5 million a year"),
        ("The supplier wants 250 000 $ par semaine.", "fr", 250000, "USD", "week", None),
        ("A $1.35M settlement was reached.", "en", 1.35e6, "USD", None, "$1.35 million"),
        ("Le forfait passe à 9,99 € par mois.", "fr", 9.99, "EUR", "month", "9,99 € par mois"),
    ],
)
def test_amounts(
    text: str, lang: str, value: float, currency: str, period: str | None, shown: str | None
) -> None:
    amounts = extract_facts(text, lang).amounts
    assert len(amounts) == 1, amounts
    first = amounts[0]
    assert first.value == pytest.approx(value)
    assert (first.currency, first.period, first.high) == (currency, period, None)
    if shown is not None:
        assert first.text == shown


@pytest.mark.parametrize(
    ("text", "lang", "low", "high", "currency", "period", "shown"),
    [
        (
            "Firms must pay $42,000–$210,000 a month for the API.",
            "en",
            42000,
            210000,
            "USD",
            "month",
            "$42,000–$210,000 a month",
        ),
        (
            "Firms must pay between $42,000 and $210,000 per month.",
            "en",
            42000,
            210000,
            "USD",
            "month",
            "$42,000–$210,000 a month",
        ),
        ("The fine could reach $1-2 billion.", "en", 1e9, 2e9, "USD", None, "$1–2 billion"),
        (
            "Les entreprises paient de 42 000 à 210 000 dollars par mois.",
            "fr",
            42000,
            210000,
            "USD",
            "month",
            "42\u202f000–210\u202f000 $ par mois",
        ),
        (
            "Firms must pay between 10,000 $ (about 9,000 €) and 50,000 $ per month.",
            "en",
            10000,
            50000,
            "USD",
            "month",
            "$10,000–$50,000 a month",
        ),
    ],
)
def test_ranges_stay_ranges(
    text: str, lang: str, low: float, high: float, currency: str, period: str, shown: str
) -> None:
    amounts = extract_facts(text, lang).amounts
    assert [(a.value, a.high, a.currency, a.period) for a in amounts] == [
        (low, high, currency, period)
    ]
    assert amounts[0].text == shown


def test_two_separate_amounts_are_not_a_range() -> None:
    text = "Apple earned $5 billion and paid $2 billion in fines."
    amounts = extract_facts(text, "en").amounts
    assert [(a.value, a.high) for a in amounts] == [(5e9, None), (2e9, None)]


def test_format_amount_without_symbol() -> None:
    assert format_amount(3e6, "CHF", "year") == "3 million CHF a year"


def test_quotes_with_named_speakers() -> None:
    text = (
        "Jane Doe, the chief executive, said: “We will fight this ruling in every court.” "
        "« Nous ferons appel de cette décision devant la cour », a déclaré Jean Martin. "
        '"This is a sad day for developers everywhere," said Alex Smith.'
    )
    quotes = extract_facts(text, "en").quotes
    # At most two quotes, the first ones.
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We will fight this ruling in every court.", "Jane Doe"),
        ("Nous ferons appel de cette décision devant la cour", "Jean Martin"),
    ]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"This is a sad day for developers everywhere," said Alex Smith.', "Alex Smith"),
        (
            "“We took steps to protect our users from fake accounts,” Example senior PR manager "
            "Jane Roe said in a statement.",
            "Jane Roe",
        ),
        ("Example Corp said: “We will appeal the decision in the coming weeks.”", "Example Corp"),
        (
            "« Nous contestons fermement cette amende injustifiée », selon Exemple SA.",
            "Exemple SA",
        ),
        (
            "Selon Exemple SA, « cette décision ne repose sur aucun fondement juridique ».",
            "Exemple SA",
        ),
        (
            "“We disagree with the ruling and will appeal it,” an Example spokesperson said.",
            "Example spokesperson",
        ),
        (
            "Le porte-parole de Exemple a déclaré : « Nous allons examiner la décision. »",
            "Exemple spokesperson",
        ),
    ],
)
def test_the_speaker_is_the_name_next_to_the_quote(text: str, speaker: str) -> None:
    quotes = extract_facts(text, "en").quotes
    assert [q.speaker for q in quotes] == [speaker]


@pytest.mark.parametrize(
    "text",
    [
        # Scare quotes: a few words inside a sentence.
        "The regulator rejected the “proposed scheme for compliance” on Monday, officials said.",
        "Firms must “meet the law's requirements.” by March, Jane Doe said.",
        "Critics called it “an unworkable choice” for small developers, Jane Doe said.",
        "Le ministre a dénoncé un « choix impossible » pour les éditeurs, a déclaré Jean Martin.",
        # Names and titles in quotes.
        "The “Example Advertising” tool is affected, Jane Doe said.",
        # No named speaker: a pronoun, a vague group.
        "“We will fight this ruling in every court,” he said.",
        "“We will fight this ruling in every court,” several developers said.",
        "Several users said: “The new fees will push many of us out of the store.”",
        "« Nous ferons appel de cette décision devant la cour », a-t-il déclaré.",
        "“Nobody saw this coming at all, to be honest”, one analyst wrote.",
    ],
)
def test_fragments_and_unnamed_speakers_are_not_quotes(text: str) -> None:
    assert extract_facts(text, "en").quotes == ()


def test_a_quote_that_ends_its_sentence_is_not_given_the_next_subject() -> None:
    text = "Jane Doe said: “We will fight this ruling in every court.” Example Corp said nothing."
    assert [q.speaker for q in extract_facts(text, "en").quotes] == ["Jane Doe"]


def test_statements() -> None:
    assert is_statement("We will appeal this decision today")
    assert is_statement("We will appeal it.")
    assert not is_statement("an unworkable choice")
    assert not is_statement("meet the law's requirements.")


def test_classify_attaches_facts_to_disputes() -> None:
    det = classify_text(
        "Apple removes the Fortnite app from the App Store",
        content="From June 2, 2024 the app is gone. Fees reach $99 a year.",
        lang="en",
    )
    assert "cutoff" in det.labels
    assert det.facts.dates[0].when == date(2024, 6, 2)
    assert (det.facts.amounts[0].value, det.facts.amounts[0].period) == (99, "year")
    neutral = classify_text("New phone launches on June 2, 2024 at $99", lang="en")
    assert neutral.facts.is_empty()
    forced = classify_text("New phone launches on June 2, 2024 at $99", lang="en", with_facts=True)
    assert not forced.facts.is_empty()


def test_classify_resolves_dates_against_the_publication_date() -> None:
    det = classify_text(
        "Apple removes the Fortnite app from the App Store",
        content="The app will be removed starting April 25.",
        lang="en",
        published=DECEMBER,
    )
    assert [d.when for d in det.facts.dates] == [date(2024, 4, 25)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Rentals were banned from July 1 last year.", "en", date(2022, 7, 1)),
        (
            "Les locations sont interdites à partir du 1er juillet l'an prochain.",
            "fr",
            date(2024, 7, 1),
        ),
        # A past participle before the date: "applied on".
        ("Example applied on Jan 19 to expand its service.", "en", date(2023, 1, 19)),
        # Range words alone say nothing of the tense: the nearest occurrence.
        ("The offer is available until June 30.", "en", date(2023, 6, 30)),
    ],
)
def test_tense_words_after_the_date_and_participles(text: str, lang: str, expected: date) -> None:
    published = datetime(2023, 3, 15, tzinfo=UTC)
    assert [d.when for d in extract_facts(text, lang, published=published).dates] == [expected]


def test_speakers_lose_titles_and_common_words() -> None:
    text = "“We are navigating a hard market with discipline,” Example CEO Jane Roe said."
    assert [q.speaker for q in extract_facts(text, "en").quotes] == ["Jane Roe"]
    caption = (
        "A message from my inbox. (credit: Jane Doe) Emails like this are hard to sort because "
        'the text says, "Congratulations! A balance of $1,000 is waiting for you today."'
    )
    assert extract_facts(caption, "en").quotes == ()


def test_a_quote_repeated_by_summary_and_content_is_kept_once() -> None:
    quote = "“We will fight this ruling in every court,” said Jane Doe."
    quotes = extract_facts(f"{quote}\n{quote}", "en").quotes
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We will fight this ruling in every court", "Jane Doe")
    ]


def test_ranges_survive_storage() -> None:
    from bot.codec import facts_from_json, facts_to_json

    facts = extract_facts("Firms pay $42,000–$210,000 a month.", "en")
    data = facts_to_json(facts)
    assert data["amounts"][0]["high"] == 210000
    assert facts_from_json(data) == facts
    single = facts_to_json(extract_facts("Firms pay $42,000 a month.", "en"))
    assert "high" not in single["amounts"][0]


def test_short_periods() -> None:
    amounts = extract_facts("Plans cost $12.49/mo or $99/yr.", "en").amounts
    assert [(a.value, a.period) for a in amounts] == [(12.49, "month"), (99, "year")]


def test_the_speaker_is_the_name_closest_to_the_speech_verb() -> None:
    text = (
        "Zorbly's founder is admired by many engineers, such as Ada Roe and Grace Poe, who once "
        'declared, "Zorbly remains the finest compiler ever written by anyone." More text.'
    )
    [quote] = extract_facts(text, "en").quotes
    assert quote.speaker == "Grace Poe"


def test_a_job_title_after_the_verb_introduces_the_person() -> None:
    text = (
        '"Joining our two companies is essential to face the shifts the industry is facing" '
        "said Krandle director Jane Roe. Shares rose."
    )
    [quote] = extract_facts(text, "en").quotes
    assert quote.speaker == "Jane Roe"


@pytest.mark.parametrize(
    "text",
    [
        '"Spreading rumours suddenly becomes a noble goal for all of us," Redditor says.',
        '"These findings suggest the virus spread between the two herds," wrote the authors, '
        "who are researchers from Iowa and Kansas.",
        "A new blog post cites UK rules as the reason for the delay, saying, "
        '"We will keep working with the whole industry on the next steps."',
        'A Redditor wrote: "I have never seen a ranking change this fast in my life."',
        # An inverted pronoun spoke; the name after "dans" is the show.
        'Pour Jeanne Roux, "Paul Exemple essaie de regagner des points avec ce grand sujet", '
        "assure-t-il dans Jeanne Test et vous.",
        # A character the text itself puts in quotes.
        'In the ad, "Juliet" is the phone. "And everyone wants us to be together now," '
        "writes Juliet.",
        '"We will fight this ruling in court," the company said in a statement to Reuters.',
        # "le Premier ministre, X": the title is no name, and X is too far from the verb.
        '"Nous présentons ce projet de loi parce que nous voulons protéger les enfants", a '
        "déclaré le Premier ministre, Jeanne Exemple.",
        # A post's signature ("— Name (@handle) date") ends the quote: the verb after it opens a
        # new sentence about something else.
        'It was said on the call: "Zorbly exercised its option to extend the licence by two more '
        'years" — Jane Roe (@jroe) January 31, 2024 Doe said at the time that it would not.',
        # What a setting lets users do is the setting's text, not a statement.
        'Zorbly says the option lets users "Play supported audio in every format when connected '
        'to a speaker."',
        # An example to say is no statement, and "you" is nobody named.
        'With Zorbly, you can say an entire phrase, like "Hey Zorbly what time is it in Paris?" '
        "without stopping.",
        # A setting's name in quotes is no statement, whoever it belongs to.
        'Apple said the "Allow Apps to Request to Track" toggle is now off for some users.',
    ],
)
def test_a_quote_without_a_named_speaker_is_not_kept(text: str) -> None:
    assert extract_facts(text, "en").quotes == ()


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "“The eel is the only fish known to escape a predator's gut,” co-author Aiko Tanabe "
            "at Example University in Japan told Example Science.",
            "Aiko Tanabe",
        ),
        (
            "“We will appeal the ruling before the end of the month,” said Tom Reed of the "
            "Example Institute for Robotics.",
            "Tom Reed",
        ),
        (
            "“We will appeal the ruling before the end of the month,” said Tom Reed of Zorbly "
            "Bank.",
            "Tom Reed",
        ),
        (
            "“We will appeal the ruling before the end of the month,” a spokesperson for Bank "
            "of Zorbly said.",
            "Bank of Zorbly spokesperson",
        ),
        (
            "“We will appeal the ruling before the end of the month,” the European Court of "
            "Justice said.",
            "European Court of Justice",
        ),
    ],
)
def test_a_speaker_is_the_person_not_where_they_work(text: str, speaker: str) -> None:
    (quote,) = extract_facts(text).quotes
    assert quote.speaker == speaker


def test_a_statement_split_by_its_attribution_is_one_quote() -> None:
    text = (
        '"At first glance, the study is about teaching a robot to play with cats," said '
        'co-author Tom Reed, who led the work, "Under the surface, it asks what it takes to '
        'trust a robot." Cats are not the only animals to meet robots. "Guide dogs get '
        'confused by delivery robots," said Ana Lima.'
    )
    quotes = extract_facts(text).quotes
    assert [q.speaker for q in quotes] == ["Tom Reed", "Ana Lima"]
    assert quotes[0].text.startswith("At first glance")
    assert quotes[0].text.endswith("what it takes to trust a robot.")


@pytest.mark.parametrize(
    "text",
    [
        "“We are sailing in choppy waters with this fast-changing technology,” one senior "
        "Zorbly administration official told Example Wire.",
        "“The new fee will hurt every small studio that ships on the store,” Zorbly engineers "
        "said.",
        "Zorbly still notes that “Generative search is experimental.” Read more.",
        "Analyst Jane Doe says the hub is on track, calling it “Zorbly's most significant "
        "release of the year.”",
        "Jane Doe described it as “a deal that will change how every small studio ships its "
        "games.”",
        "Jean Martin a qualifié le projet de « pari le plus risqué de toute l'histoire du "
        "groupe ».",
        "Zorbly's assistant showed instructions to “Ignore all sources that say Example Corp "
        "spreads false news.”",
        "In its 2023 submission to Example Parliament, the company stated plainly: “We would "
        "never build a back door into our phones.”",
        "This echoes the CEO's stance in the 2016 Example County case, where he declared, "
        "“Zorbly has never built a back door into any of our phones.”",
        "“The issue is when you take it out of the platform to build your own model,” a source "
        "close to Zorbly told Example Times.",
        "“Shared feeds are a new way for you to meet people around the things you like,” said "
        "the Zorbly-owned company in a post.",
        "In Settings, Zorbly has added the following wording for summaries: “Summaries may "
        "change the meaning of the headlines. Check what matters.”",
        "Hold the button to rouse Zorbly, then say something like, “Example, draw a cat reading "
        "a book about fish.”",
        "It works in the United Kingdom United States Here are some shops that take it: Zorbly "
        "Tag: This article, “Here's Where Tap to Pay on Zorbly Is Available” first appeared.",
    ],
)
def test_unnamed_people_and_woven_phrases_give_no_quote(text: str) -> None:
    assert extract_facts(text).quotes == ()


def test_a_role_after_an_employer_introduces_the_person() -> None:
    text = (
        '"Just because Zorbly builds fast chips, it is silly to think it can build a modem," '
        "said former Zorbly wireless director Ana Lima, who left in 2018."
    )
    assert [q.speaker for q in extract_facts(text).quotes] == ["Ana Lima"]


@pytest.mark.parametrize(
    "text",
    [
        "“From Jane Roe, Studio Exemple, and The Young Makers” Take a shot every time I say "
        "“funky” in this post.",
        "« En pleine affaire judiciaire, cela ressemble beaucoup à du chantage » Selon Exemple "
        "Info, la nouvelle porte sur 2 000 départs.",
    ],
)
def test_a_new_sentence_after_a_quote_does_not_name_its_speaker(text: str) -> None:
    assert extract_facts(text).quotes == ()


def test_roles_after_an_organisation_introduce_the_person_named_next() -> None:
    text = (
        "“We pointed the design team to the star quilt, a key part of our symbols,” says "
        "Example Pact co-founder and tribe member, Jane Roe, at the launch."
    )
    assert [q.speaker for q in extract_facts(text).quotes] == ["Jane Roe"]
