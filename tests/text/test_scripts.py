"""Analysis by language: each script's stemmer, stopwords, and Chinese and Japanese
segmenting (searchapp.text.scripts through searchapp.text.analysis)."""

from __future__ import annotations

import pytest

from searchapp.text import analysis, scripts


def stems(text: str, lang: str = "") -> list[str]:
    return [term.text for term in analysis.analyze(text, lang=lang)]


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("ru", ("отравление", "отравления", "отравлению", "отравлений")),
        ("ru", ("навальный", "навального", "навальному")),
        ("fr", ("attaque", "attaques", "attaquer")),
        ("de", ("spionage", "spionagen")),
        ("es", ("ataque", "ataques")),
        ("ar", ("المخابرات", "مخابرات")),
    ],
)
def test_a_languages_inflections_share_its_stem(lang: str, forms: tuple[str, ...]):
    assert len({stems(form, lang)[0] for form in forms}) == 1


def test_cyrillic_words_are_stemmed_as_russian_in_any_article_but_a_ukrainian_one():
    assert stems("отравления") == stems("отравление")  # an English article quoting Russian
    assert stems("отравления", "uk") == ["uk:отравления"]  # no Ukrainian stemmer: as written


def test_latin_words_of_a_russian_article_are_stemmed_as_english():
    assert stems("The attacks on Gazprom", "ru") == ["attack", "gazprom"]


def test_a_latin_language_without_a_stemmer_is_not_stemmed():
    assert stems("ataki hakerskie", "pl") == ["pl:ataki", "pl:hakerskie"]


def test_stopwords_are_the_articles_languages():
    assert stems("la sécurité de la France", "fr") == ["fr:securit", "fr:franc"]
    assert "la" in stems("la sécurité de la France")  # not an English stopword
    assert stems("и он был в Москве", "ru") == ["москв"]


def test_a_word_typed_without_its_accents_stems_the_same():
    assert stems("sécurité", "fr") == stems("securite", "fr")


def test_the_short_i_stays_a_letter_of_its_own():
    assert analysis.normalize("Навальный") == "навальный"
    assert analysis.normalize("Ёлка") == "елка"
    assert analysis.normalize("Émigré") == "emigre"


def test_a_stem_another_language_makes_is_marked_as_its_own():
    # A French stem never counts in an English article, nor the reverse.
    assert stems("attaques", "fr") == ["fr:attaqu"]
    assert stems("attaques") == ["attaqu"]
    # Russian words are stemmed as Russian in every article but a Ukrainian one: unmarked.
    assert stems("Москве", "ru") == stems("Москве", "fr") == ["москв"]


def test_the_word_table_keeps_the_english_stems_the_gazetteer_knows():
    _postings, table = analysis.positions_and_words("Les sanctions contre le GRU", "fr")
    assert table.stems == ["les", "sanction", "contr", "gru"]


def test_english_analysis_is_unchanged_by_the_language_code():
    text = "Former spies were poisoned with a nerve agent in Salisbury"
    assert stems(text) == stems(text, "en") == stems(text, "ru") == stems(text, "zh")


def test_analysis_keys_group_languages_analysed_alike():
    for lang in ("", "en", "ru", "ar", "zh", "ja"):
        assert scripts.analysis_key(lang) == scripts.DEFAULT_KEY
    assert scripts.analysis_key("fr") == "fr"
    assert scripts.analysis_key("uk") == "uk"


def test_chinese_is_segmented_into_its_words():
    tokens = [token for token, _start, _end in analysis.tokenize("俄罗斯黑客攻击了乌克兰的电网")]
    assert "俄罗斯" in tokens and "乌克兰" in tokens and "电网" in tokens
    assert "俄罗斯黑客攻击了乌克兰的电网" not in tokens


def test_segmented_spans_point_at_the_words():
    text = "报道称，俄罗斯黑客攻击了电网。"
    for token, start, end in analysis.tokenize(text):
        assert text[start:end] == token


def test_japanese_kana_runs_are_indexed_as_pairs_of_characters():
    tokens = [token for token, _start, _end in analysis.tokenize("ロシアの情報機関")]
    assert tokens == ["ロシ", "シア", "アの", "の情", "情報", "報機", "機関"]
    postings = analysis.positions("ロシアの情報機関")
    assert postings["情報"] == [4]


def test_a_chinese_phrase_query_finds_its_words_in_order():
    body = analysis.positions("调查人员发现，攻击者通过钓鱼邮件获取了员工的登录密码")
    words = [term.text for term in analysis.analyze("钓鱼邮件", compounds=False)]
    assert len(words) >= 1
    first = body[words[0]][0]
    assert all(first + i in body[word] for i, word in enumerate(words))


def test_positions_and_words_agree_in_every_language():
    for lang, text in [
        ("ru", "Суд отклонил жалобу Навального на условия содержания"),
        ("fr", "Les attaques informatiques contre les ministères"),
        ("zh", "安全研究人员表示黑客组织攻击了电网"),
    ]:
        postings, table = analysis.positions_and_words(text, lang)
        assert postings == analysis.positions(text, lang)
        expected: dict[str, list[int]] = {}
        for term in analysis.analyze(text, lang=lang):
            expected.setdefault(term.text, []).append(term.pos)
        assert postings == expected
        assert len(table.words) == len(table.stems)
