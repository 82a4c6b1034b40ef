"""The entity field indexes its values as Whoosh's KEYWORD field would, from a tuple."""

from whoosh import fields

from searchapp.engines.whoosh.schema import EntityValues


def test_entity_values_index_like_keyword():
    keyword = fields.KEYWORD(commas=True, scorable=False)
    values = ("person:Christine Lee", "org:MI5", "cve:CVE-2021-44228")
    theirs = [
        (text.encode("utf-8"), freq, weight, data)
        for text, freq, weight, data in keyword.format.word_values(
            ",".join(values), keyword.analyzer, mode="index"
        )
    ]
    ours = list(EntityValues().index(values))
    assert sorted(ours) == sorted(theirs)
    assert list(EntityValues().index(",".join(values))) == ours
    assert list(EntityValues().index((*values, "org:MI5"))) == ours  # a value once
