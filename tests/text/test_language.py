"""The language of an article: each language detected from a paragraph, "" for what is no
text, Russian and Ukrainian kept apart, the same answer every time and in every process, the
model loaded on first use only; metadata values normalised to ISO 639-1 codes; the labelled
sample of benchmarks/languages/ kept usable."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from searchapp.text import language
from searchapp.text.language import LANGUAGE_NAMES, detect, detect_with_confidence, normalize_code
from tests.test_architecture import PACKAGE, imports

# The labelled sample of `make eval-languages` (read here: the tests import no benchmark).
SAMPLE = Path(__file__).resolve().parents[2] / "benchmarks" / "languages" / "sample.toml"


@dataclass(frozen=True)
class Labelled:
    lang: str
    text: str

    @property
    def long(self) -> bool:
        return len(self.text) >= 200


def load_sample() -> list[Labelled]:
    with SAMPLE.open("rb") as file:
        return [Labelled(item["lang"], item["text"].strip()) for item in tomllib.load(file)["text"]]


# A paragraph of 200+ characters in each language, written for these tests (not in the
# sample), several with Latin-script names and acronyms inside, as reporting has.
PARAGRAPHS = {
    "en": "Investigators said the intruders had used a stolen password to reach the billing "
    "servers of the council, then spent three weeks copying records of residents before "
    "anyone noticed. The council has since reset every account and called in outside help.",
    "ru": "Прокуратура направила в суд дело бывшего сотрудника министерства, которого "
    "обвиняют в продаже служебной информации посредникам. По версии следствия, он передавал "
    "им сведения о тендерах через мессенджер WhatsApp и получал деньги наличными.",
    "uk": "Кіберполіція повідомила, що зловмисники розсилали листи від імені Пенсійного "
    "фонду з посиланням на підроблений сайт. Там у людей виманювали дані банківських карток, "
    "тож фахівці радять не відкривати такі повідомлення й перевіряти адресу відправника.",
    "fr": "Les enquêteurs de la gendarmerie ont découvert que les malfaiteurs se servaient "
    "d'une fausse application de livraison pour obtenir les codes bancaires de leurs "
    "victimes. Une dizaine de personnes ont été interpellées mardi dans trois départements.",
    "de": "Die Polizei hat nach monatelangen Ermittlungen eine Bande zerschlagen, die mit "
    "gefälschten Anrufen von angeblichen Bankmitarbeitern vor allem ältere Menschen um ihr "
    "Erspartes gebracht haben soll. Die Verdächtigen sitzen jetzt in Untersuchungshaft.",
    "ar": "أعلنت السلطات القبض على شبكة متخصصة في سرقة الحسابات المصرفية عبر رسائل نصية "
    "مزيفة تنتحل صفة البنوك المحلية. وأوضحت الشرطة أن أفراد الشبكة جمعوا مبالغ كبيرة قبل أن "
    "يتم تعقبهم من خلال تحويلات مالية إلى الخارج.",
    "zh": "警方通报，一个犯罪团伙利用伪造的快递理赔网站骗取市民的银行卡信息，涉案金额达数百万元。"
    "目前，主要犯罪嫌疑人已被抓获，案件正在进一步侦办之中。警方提醒广大市民，接到自称快递客服的"
    "电话时要提高警惕，不要轻易点击对方发来的链接，更不要透露银行卡密码和短信验证码。如有疑问，"
    "可以直接拨打快递公司的官方客服电话进行核实，或者向当地公安机关报警求助。据了解，今年以来，"
    "类似的案件在全省已经发生了三十多起，受害人大多是中老年人和刚参加工作的年轻人。",
    "ja": "警察によると、男は銀行の職員を名乗って高齢者に電話をかけ、キャッシュカードをだまし取った"
    "疑いが持たれている。被害は県内で少なくとも二十件に上り、総額は三千万円を超えるという。警察は"
    "電話で暗証番号を聞かれても絶対に教えないよう呼びかけており、不審な電話があった場合はすぐに家族"
    "や最寄りの警察署に相談してほしいとしている。また、銀行や自治体の職員が自宅を訪ねてカードを"
    "預かることはないとして、同じような手口の被害に十分注意するよう求めている。",
    "es": "La Guardia Civil ha detenido a tres personas acusadas de vaciar las cuentas de "
    "decenas de vecinos mediante mensajes que imitaban a su banco. Los agentes recuperaron "
    "parte del dinero, que había sido enviado a cuentas abiertas en el extranjero.",
    "it": "I carabinieri hanno arrestato due uomini accusati di aver svuotato i conti di "
    "decine di pensionati con false telefonate da parte della banca. Gli investigatori hanno "
    "recuperato una parte del denaro, trasferito su conti aperti all'estero.",
    "pt": "A Polícia Judiciária deteve dois suspeitos de invadir os sistemas informáticos de "
    "uma câmara municipal e de exigir um resgate em criptomoedas para devolver os dados. Os "
    "serviços da autarquia estiveram parados durante quase uma semana.",
    "nl": "De politie heeft twee verdachten aangehouden die zich aan de telefoon voordeden als "
    "medewerkers van de bank en zo ouderen hun spaargeld afhandig maakten. Volgens het "
    "Openbaar Ministerie gaat het om tientallen slachtoffers in het hele land.",
}


@pytest.mark.parametrize("lang", sorted(PARAGRAPHS))
def test_each_language_is_detected_from_a_paragraph(lang: str) -> None:
    text = PARAGRAPHS[lang]
    assert len(text) >= 200
    assert detect(text) == lang
    code, probability = detect_with_confidence(text)
    assert code == lang and probability > 0.95


def test_russian_and_ukrainian_are_kept_apart_in_short_sentences() -> None:
    assert detect("Уряд ухвалив рішення про підвищення пенсій з першого квітня.") == "uk"
    assert detect("Правительство приняло решение о повышении пенсий с первого апреля.") == "ru"
    assert detect("Путін заявив про нові удари") == "uk"


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "a", "ok", "12345 67 89", "2024-03-01 12:00:00", "+44 20 7946 0958", "!!! ???",
     "CVE-2024-3400", "3.14159 2.71828 1.41421 " * 20],
)  # fmt: skip
def test_no_language_for_what_is_no_text(text: str) -> None:
    assert detect(text) == ""
    assert detect_with_confidence(text) == ("", 0.0)


@pytest.mark.parametrize(
    "text", ["Hello world", "NATO summit", "Sanctions on Russia", "Biden and Xi meet in Paris"]
)
def test_a_few_words_of_english_are_english_or_unknown(text: str) -> None:
    assert detect(text) in ("en", "")


def test_what_is_returned_is_a_named_candidate() -> None:
    assert set(language.CANDIDATES) <= set(LANGUAGE_NAMES)
    for item in load_sample()[::7]:
        assert detect(item.text) in LANGUAGE_NAMES
    assert LANGUAGE_NAMES["ru"] == "Russian"


def test_a_long_start_without_words_is_read_further() -> None:
    table = "2019 2020 2021 2022 | 14.5 15.2 16.8 17.1 | " * 30
    assert len(table) > language.WINDOW
    assert detect(table + PARAGRAPHS["ru"]) == "ru"


def test_a_paragraph_in_capitals_is_still_recognised() -> None:
    assert detect(PARAGRAPHS["en"].upper()) == "en"


def test_only_the_start_of_a_long_text_is_read() -> None:
    # The Russian after the first MAX_CHARS characters changes nothing.
    english = (PARAGRAPHS["en"] + " ") * 20
    assert detect(english + PARAGRAPHS["ru"] * 50) == "en"


def test_answers_are_the_same_every_time_and_in_a_fresh_process() -> None:
    texts = [item.text for item in load_sample()[::5]]
    first = [detect_with_confidence(text) for text in texts]
    assert [detect_with_confidence(text) for text in texts] == first
    script = (
        "import json, sys\n"
        "from searchapp.text import language\n"
        "assert 'py3langid' not in sys.modules, 'the model loads at import'\n"
        "texts = json.load(sys.stdin)\n"
        "print(json.dumps([language.detect_with_confidence(t) for t in texts]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    assert [tuple(pair) for pair in json.loads(done.stdout)] == first


def test_the_detector_library_is_imported_by_this_module_alone() -> None:
    importers = {imp.importer for imp in imports(PACKAGE) if imp.imported == "py3langid"}
    assert importers == {"searchapp.text.language"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("en_US", "en"),
        ("ru_RU", "ru"),
        ("ru-RU;q=0.8", "ru"),
        ("de_DE.UTF-8", "de"),
        ("zh-Hans-CN", "zh"),
        ("zh_TW", "zh"),
        ("rus", "ru"),
        ("ukr", "uk"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("deu", "de"),
        ("ger", "de"),
        ("ara", "ar"),
        ("zho", "zh"),
        ("jpn", "ja"),
        ("nob", "no"),
        ("nb", "no"),
        ("nn", "no"),
        ("iw", "he"),  # the old code of Hebrew
        ("French", "fr"),
        ("  german ", "de"),
        ("English (US)", "en"),
        ("русский", "ru"),
        ("Українська", "uk"),
        ("Deutsch", "de"),
        ("中文", "zh"),
        ("en, en-GB", "en"),
        ("en, fr", ""),  # two languages: the text decides
        ("en-US-x-twain", "en"),
        ("", ""),
        ("und", ""),  # undetermined (Babel would make it English)
        ("xx", ""),
        ("gsw", ""),  # Swiss German: no two-letter code
        ("Klingon", ""),
        ("123", ""),
        ("*", ""),
    ],
)
def test_metadata_languages_are_normalised(value: str, code: str) -> None:
    assert normalize_code(value) == code


def test_the_sample_is_large_labelled_and_well_formed() -> None:
    sample = load_sample()
    assert len(sample) >= 300
    assert all(item.lang in LANGUAGE_NAMES for item in sample), "a code detect() cannot return"
    assert all(item.text.strip() for item in sample)
    assert len({item.text for item in sample}) == len(sample), "a text is there twice"
    long = Counter(item.lang for item in sample if item.long)
    short = Counter(item.lang for item in sample if not item.long)
    for lang in ("ru", "uk", "fr", "de", "ar", "zh", "en"):
        assert long[lang] >= 40 and short[lang] >= 8, lang
    assert all(30 <= len(item.text) <= 120 for item in sample if not item.long)


def test_the_sample_is_detected_as_the_evaluation_requires() -> None:
    long = [item for item in load_sample() if item.long]
    right = sum(detect(item.text) == item.lang for item in long)
    assert right / len(long) >= 0.95  # benchmarks/languages.py's TARGET
