from __future__ import annotations

import pytest

from central.legal.parse import LegalImportError, cn_number, parse_law
from tests.central.legal.samples import ORDER_TXT, REGULATION_MD


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零二", 102),
        ("一百一十", 110),
        ("二千零五", 2005),
        ("两百", 200),
        ("37", 37),
    ],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert cn_number(text) == value


def test_markdown_law_is_read_into_chapters_sections_and_articles() -> None:
    arts = parse_law(REGULATION_MD)
    assert [a.label for a in arts] == [
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第五条",
        "第十条",
        "第十一条",
        "第十一条之一",
        "第一百零二条",
    ]
    third = arts[2]
    assert third.chapter == "第二章 信访事项的提出" and third.section == "第一节 一般规定"
    assert arts[4].body == "信访人可以通过网上信访平台提出信访事项。\n网上信访与走访具有同等效力。"
    assert arts[5].section == ""  # a new chapter clears the section
    assert arts[-1].number == 102


def test_plain_text_with_full_width_spaces_and_items() -> None:
    arts = parse_law(ORDER_TXT)
    assert len(arts) == 3
    assert arts[1].body.splitlines()[1:] == [
        "（一）扰乱车站、码头秩序的；",
        "（二）扰乱国家机关工作秩序的。",
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("没有条文的一段话", "没有找到任何条文"),
        ("第一条 甲。\n第一条 乙。", "重复"),
        ("第二条 甲。\n第一条 乙。", "倒退"),
        ("第一条\n第二条 乙。", "没有正文"),
    ],
)
def test_bad_texts_are_refused_with_the_reason(text: str, words: str) -> None:
    with pytest.raises(LegalImportError, match=words):
        parse_law(text)
