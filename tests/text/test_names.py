"""People, organisations and places found from a text's own evidence (searchapp.text.names)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchapp.text.names import find_names


def names(text: str) -> set[tuple[str, str]]:
    return {(name.type, name.name) for name in find_names(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A first name of the dictionary makes a person; a title does too.
        ("It was claimed that a lawyer, Christine Lee, met MPs.", ("person", "Christine Lee")),
        ("The talks were led by Mr Hosie in London.", ("person", "Hosie")),
        ("He met Prime Minister Shinzo Abe in Tokyo.", ("person", "Shinzo Abe")),
        ("German Chancellor Angela Merkel spoke.", ("person", "Angela Merkel")),
        ("He thanked George W. Bush for it.", ("person", "George W. Bush")),
        ("She praised Ursula von der Leyen today.", ("person", "Ursula von der Leyen")),
        # Organisations by their head or lead word, acronyms, known ones.
        ("The Ministry of Defence denied it.", ("org", "Ministry of Defence")),
        (
            "A report by the Parliamentary Intelligence and Security Committee.",
            ("org", "Parliamentary Intelligence and Security Committee"),
        ),
        (
            "He worked for Ranger Energy Investments until 2016.",
            ("org", "Ranger Energy Investments"),
        ),
        ("Officials at the FBI refused.", ("org", "FBI")),
        ("According to Reuters the deal fell.", ("org", "Reuters")),
        ("A statement from the Kremlin followed, and the Kremlin said more.", ("org", "Kremlin")),
        # Places: countries, cities, regions, geographic heads, shouted datelines.
        ("They were poisoned in Salisbury in 2018.", ("place", "Salisbury")),
        ("Ships sailed in the South China Sea.", ("place", "South China Sea")),
        ("MOSCOW (Reuters) The minister said so.", ("place", "MOSCOW")),
        ("Exports from Russia to Germany fell.", ("place", "Germany")),
    ],
)
def test_finds(text, expected):
    assert expected in names(text)


def test_a_surname_is_the_full_name_of_the_same_text():
    text = "Christine Lee was named. Lee denied it, and Ms Lee's lawyer agreed."
    found = find_names(text)
    people = [(n.name, text[n.start : n.end], n.why) for n in found if n.type == "person"]
    assert [name for name, _written, _why in people] == ["Christine Lee"] * 3
    assert people[1][1] == "Lee" and "surname of Christine Lee" in people[1][2]


def test_a_repeated_name_is_found_where_each_mention_is():
    text = (
        "Christine Lee met the Kremlin. Later, Christine Lee wrote to the Kremlin. "
        "Lee said so, and Lee said it again in Paris, then Paris."
    )
    found = find_names(text)
    spans = [(n.type, n.name, text[n.start : n.end]) for n in found]
    assert spans.count(("person", "Christine Lee", "Christine Lee")) == 2
    assert spans.count(("person", "Christine Lee", "Lee")) == 2
    assert spans.count(("org", "Kremlin", "Kremlin")) == 2
    assert spans.count(("place", "Paris", "Paris")) == 2
    assert len({n.start for n in found}) == len(found)


def test_two_people_with_the_surname_leave_it_alone():
    found = names("Sergei Skripal and Yulia Skripal were found. Skripal was ill.")
    assert ("person", "Skripal") not in found
    assert {("person", "Sergei Skripal"), ("person", "Yulia Skripal")} <= found


@pytest.mark.parametrize(
    "text",
    [
        "But the spies said nothing. Will they talk? May was warm.",
        "He said that. They left. It rained on Monday in March.",
        "The GDP grew 3 per cent; READ MORE below.",
        "In the Russian state media, the British were blamed.",
    ],
)
def test_no_names_in_ordinary_capitals(text):
    assert names(text) == set()


def test_a_possessive_ends_a_name():
    found = names("It was the SNP's Stewart Hosie who asked.")
    assert ("person", "Stewart Hosie") in found
    assert not any("SNP" in name and " " in name for _kind, name in found)


def test_names_in_runs_split_at_and():
    found = names("Leaders from Britain and France met Susan Collins of Maine.")
    assert {("place", "Britain"), ("place", "France"), ("person", "Susan Collins")} <= found
    assert ("place", "Maine") in found


def test_every_name_says_why():
    for name in find_names("Mr Barclay of the Ministry of Defence flew to Salisbury."):
        assert name.why


@pytest.mark.parametrize(
    ("text", "expected", "not_expected"),
    [
        # An institution "of" something keeps what it is of, and a name before it apart.
        (
            "A study from the Albert Einstein College of Medicine says so.",
            {("org", "Albert Einstein College of Medicine")},
            {("org", "Albert Einstein College")},
        ),
        (
            "said Peter Ryan of the University of Cape Town on the island.",
            {("org", "University of Cape Town"), ("person", "Peter Ryan")},
            {("place", "Cape Town")},
        ),
        # "and" inside the institution's name, unless a name of its own follows it.
        (
            "Policy is drawn up by the Office for Security and Counter-Terrorism now.",
            {("org", "Office for Security and Counter-Terrorism")},
            {("org", "Office for Security")},
        ),
        (
            "Officials of the Ministry of Defence and MI5 met.",
            {("org", "Ministry of Defence"), ("org", "MI5")},
            {("org", "Ministry of Defence and MI5")},
        ),
        # "and" then a connector: the institution ends before "and".
        (
            "run by the Office for Security and the Home Office",
            {("org", "Office for Security"), ("org", "Home Office")},
            set(),
        ),
        # A describing first word is no part of the name.
        (
            "At Toronto-based Ruby Corporation, the owner said so.",
            {("org", "Ruby Corporation")},
            {("org", "Toronto-based Ruby Corporation")},
        ),
        # Known organisations side by side (a page's share links) are each one.
        (
            "tensions. Send Facebook Twitter Tumblr linkedin Digg",
            {("org", "Facebook"), ("org", "Twitter"), ("org", "Tumblr"), ("org", "Digg")},
            set(),
        ),
        # ... but two places side by side may be a person ("Elizabeth Warren").
        (
            "Senators Lisa Murkowski and Elizabeth Warren voted.",
            {("person", "Elizabeth Warren")},
            {("place", "Elizabeth"), ("place", "Warren")},
        ),
        # A dash used as punctuation opens a name; a hyphenated word does not.
        ("Source:-Al Jazeera and news agencies", {("org", "Al Jazeera")}, set()),
        ("an anti-EU firebrand", set(), {("org", "EU")}),
        # "the Trump administration": the surname of a person of the text, no institution.
        (
            "President Trump spoke. Critics of the Trump administration replied.",
            {("person", "Trump")},
            {("org", "Trump")},
        ),
    ],
)
def test_organisation_rules(text, expected, not_expected):
    found = names(text)
    assert expected <= found
    assert not (not_expected & found)


WORDS = [
    "Office", "for", "and", "the", "of", "Security", "MI5", "Mr", "Lee", "Christine", "The",
    "Department", "Facebook", "Twitter", "Toronto-based", "Al", "Jazeera", "-", ":-", ".", ",",
    "Sea", "President", "Paris", "Warren", "Elizabeth", "de", "von", "'s", "Ltd", "ABC", "said",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_any_run_of_name_words_is_read_without_error(words):
    text = " ".join(words)
    for name in find_names(text):
        assert name.name and name.type in ("person", "org", "place")
        assert 0 <= name.start < name.end <= len(text)
