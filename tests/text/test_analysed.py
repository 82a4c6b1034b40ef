from __future__ import annotations

from searchapp.engines.whoosh.schema import SCHEMA
from searchapp.text.analysed import analyse
from searchapp.text.article import Article


def test_exact_forms_are_the_words_written_as_names_unlike_their_stems():
    body = "Steele met two spies; Spies spoke of steel and of Christopher Steele. Spies ran."
    article = Article("a", "Hearing with Steele's old spies", body, "a.txt", headline=True)
    analysed = analyse(article)
    # Capitalised mid-sentence and not its own stem: not steel, spies (lower case or opening
    # a sentence), Steele opening the text.
    assert analysed.body_exact == {"spies": 1, "christopher": 1, "steele": 1}
    assert analysed.title_exact == {"steele": 1}
    untitled = analyse(Article("b", "x", "Sir Steele met.", "b.txt", headline=False))
    assert untitled.title_exact == {} and untitled.body_exact == {"steele": 1}
    title_case = analyse(Article("c", "Steele Meets The Spies", "x", "c.txt", headline=True))
    assert title_case.title_exact == {}  # capitals in Title Case say nothing
    accented = analyse(Article("d", "x", "They met Müllers.", "d.txt", headline=False))
    assert accented.body_exact == {"mullers": 1}


def test_whoosh_indexes_text_given_to_an_exact_field_the_same_way():
    field = SCHEMA["body_exact"]
    body = "Steele met two spies; the Spies spoke of steel and a mole."
    from_text = {word.decode(): weight for word, _count, weight, _value in field.index(body)}
    assert from_text == {"spies": 1.0}


def test_the_name_rules_read_english_articles_only():
    russian = Article(
        id="ru",
        title="Суд отклонил жалобу Навального",
        body="Адвокаты Навального заявили, что будут обжаловать решение суда в Москве.",
        path="ru.txt",
        headline=True,
    )
    analysed = analyse(russian)
    assert analysed.lang == "ru"
    assert not [value for value in analysed.entities if value.startswith("person:")]
    english = Article(
        id="en",
        title="Court rejects appeal",
        body="Lawyers for Alexei Navalny said they would appeal the ruling of the Moscow court.",
        path="en.txt",
        headline=True,
    )
    assert "person:Alexei Navalny" in analyse(english).entities
