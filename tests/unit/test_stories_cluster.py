"""Pure clustering: same event across outlets and languages, order independence, disputes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.stories.cluster import (
    ClusterItem,
    DisputeCandidate,
    best_title,
    cluster,
    dispute_name,
    dispute_pair,
    ordered_parties,
    pick_dispute,
    same_event,
    story_lang,
)
from bot.types import Label

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)


def item(
    key: int,
    title: str,
    text: str = "",
    hours: float = 0,
    labels: tuple[Label, ...] = ("cutoff",),
    parties: tuple[str, ...] = ("Apple", "Epic Games"),
    lang: str = "en",
) -> ClusterItem:
    return ClusterItem(key, title, text, T0 + timedelta(hours=hours), labels, parties, lang)


SAME = [
    item(1, "Apple terminates Epic Games developer account in Sweden",
         "Apple closed the Swedish developer account Epic wanted for its EU app store."),
    item(2, "Apple shuts Epic's Swedish developer account, blocking its EU store plans",
         "Epic says Apple terminated the account days after the store was announced.", 4),
    item(3, "Apple ferme le compte développeur d'Epic Games en Suède",
         "Apple a fermé le compte développeur suédois d'Epic, qui voulait lancer sa boutique "
         "d'applications dans l'UE.", 9, lang="fr"),
    item(4, "Epic Games says Apple killed its developer account",
         "The account in Sweden was terminated, Epic said.", 30),
]  # fmt: skip
OTHER_EVENT_SAME_PAIR = item(
    5, "Epic Games asks judge to hold Apple in contempt over fees",
    "Epic filed a motion in court saying Apple's new link fees break the injunction.",
    10, labels=("legal",),
)  # fmt: skip
SAME_COMPANY_OTHER_PAIR = item(
    6, "EU fines Apple 1.8 billion euros over music streaming rules",
    "The European Commission said Apple stopped apps from telling users about cheaper offers.",
    5, labels=("legal",), parties=("Apple", "European Commission"),
)  # fmt: skip


def groups(items: list[ClusterItem]) -> set[frozenset[int]]:
    return {frozenset(i.key for i in g) for g in cluster(items, WINDOW)}


def test_one_event_in_two_languages_is_one_story() -> None:
    assert groups(SAME) == {frozenset({1, 2, 3, 4})}


def test_other_events_of_the_same_parties_or_company_stay_apart() -> None:
    result = groups([*SAME, OTHER_EVENT_SAME_PAIR, SAME_COMPANY_OTHER_PAIR])
    assert result == {frozenset({1, 2, 3, 4}), frozenset({5}), frozenset({6})}


def test_reports_too_far_apart_in_time_do_not_link() -> None:
    late = item(9, SAME[0].title, SAME[0].text, hours=24 * 10)
    assert not same_event(SAME[0], late, WINDOW)
    assert same_event(SAME[0], item(9, SAME[0].title, SAME[0].text, hours=71), WINDOW)


def test_disjoint_parties_never_link() -> None:
    other = item(9, SAME[0].title, SAME[0].text, parties=("Google", "Spotify"))
    assert not same_event(SAME[0], other, WINDOW)


@pytest.mark.parametrize("seed", range(10))
def test_grouping_does_not_depend_on_order(seed: int) -> None:
    items = [*SAME, OTHER_EVENT_SAME_PAIR, SAME_COMPANY_OTHER_PAIR]
    expected = cluster(items, WINDOW)
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    assert cluster(shuffled, WINDOW) == expected


def test_items_of_one_stored_story_stay_together() -> None:
    a = ClusterItem(
        1, "Apple removes Fortnite", "", T0, ("cutoff",), ("Apple", "Epic Games"), "en", story_id=7
    )
    b = ClusterItem(2, "Completely different words here", "", T0, ("legal",), ("Apple",), "en",
                    story_id=7)  # fmt: skip
    assert groups([a, b]) == {frozenset({1, 2})}


def test_best_title_is_the_most_informative_complete_one_and_stable() -> None:
    truncated = item(8, "Apple terminates Epic Games developer account in Sweden after its EU…")
    items = [*SAME, truncated]
    title = best_title(items, "en")
    assert title == SAME[1].title
    assert best_title(list(reversed(items)), "en") == title
    assert best_title(items, "fr") == SAME[2].title


def test_story_language_is_the_majority() -> None:
    assert story_lang(SAME) == "en"
    assert story_lang([SAME[2], SAME[0]]) == "en"  # tie: the earliest report's language


def test_parties_and_disputes() -> None:
    assert ordered_parties([*SAME, SAME_COMPANY_OTHER_PAIR]) == (
        "Apple",
        "Epic Games",
        "European Commission",
    )
    pair = dispute_pair(("X", "Microsoft"))
    assert pair == ("Microsoft", "X") == dispute_pair(("Microsoft", "X"))
    assert dispute_pair(("Google",)) is None
    assert dispute_name(pair) == "Microsoft ↔ X"


def test_pick_dispute_needs_the_same_pair_within_the_window() -> None:
    month = timedelta(days=30)
    cands = [
        DisputeCandidate(1, ("Google", "European Commission"), T0, T0),
        DisputeCandidate(2, ("Epic Games", "Google"), T0 - month, T0 - month),
        DisputeCandidate(3, ("Epic Games", "Google"), T0 - 10 * month, T0 - 9 * month),
    ]
    assert pick_dispute(("Epic Games", "Google"), T0, cands, timedelta(days=120)) == 2
    assert pick_dispute(("Google", "Spotify"), T0, cands, timedelta(days=120)) is None
    assert pick_dispute(("Epic Games", "Google"), T0, cands, timedelta(days=10)) is None
