from __future__ import annotations

from searchapp.engines.whoosh.schema import SCHEMA
from searchapp.text.analysed import analyse
from searchapp.text.article import Article


def test_exact_forms_are_the_words_their_stems_do_not_spell():
    body = "Steele met two spies; the spies spoke of steel and a mole."
    article = Article("a", "Steele's Spies", body, "a.txt", headline=True)
    analysed = analyse(article)
    # Written capitalised, and not its own stem: not steel, spies (lower case), met, mole.
    assert analysed.body_exact == {"steele": 1}
    assert analysed.title_exact == {"steele": 1, "spies": 1}
    untitled = analyse(Article("b", "Steele met", "Steele met.", "b.txt", headline=False))
    assert untitled.title_exact == {} and untitled.body_exact == {"steele": 1}
    accented = analyse(Article("c", "x", "Spies met Müllers.", "c.txt", headline=False))
    assert accented.body_exact == {"spies": 1, "mullers": 1}


def test_whoosh_indexes_text_given_to_an_exact_field_the_same_way():
    field = SCHEMA["body_exact"]
    body = "Steele met two spies; Spies spoke of steel and a mole."
    from_text = {word.decode(): weight for word, _count, weight, _value in field.index(body)}
    assert from_text == {"steele": 1.0, "spies": 1.0}
