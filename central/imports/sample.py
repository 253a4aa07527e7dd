"""A realistic, deterministic import file: a county procuratorate's past year of
petition records (Minhou townships, 12309 channels, the seven categories, replies and
outcomes), with people who came back more than once. ``errors`` adds rows with the
mistakes a real register has, one of each kind, at fixed places.

Used by ``scripts/make-import-sample.py`` (the shipped sample), the tests and the
benchmark: the same seed gives the same file."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta

from central.dossier.matching import _ID_CHECK, _ID_WEIGHTS

from .columns import COLUMNS

SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢郭洪曾邱廖赖周徐江何罗高"
GIVEN = "秀英建华志强丽娟美玲国平金水阿明淑珍文斌宝春惠芳德福荣华玉兰金花振华海燕"
TOWNS = ("甘蔗街道", "上街镇", "南屿镇", "南通镇", "青口镇", "祥谦镇", "尚干镇", "荆溪镇",
         "白沙镇", "竹岐乡", "鸿尾乡", "小箬乡")  # fmt: skip
REQUESTS = {
    "控告": ("反映某建筑公司拖欠农民工工资{n}万元，要求追究责任", "控告村干部侵占集体土地补偿款",
             "反映邻居故意毁坏其承包的果树，派出所未立案"),
    "申诉": ("不服法院民事判决，申请检察监督", "对派出所不予立案决定不服，要求监督立案",
             "不服行政处罚决定，申请监督"),
    "举报": ("举报某镇干部在征地中收受好处", "举报某企业非法排污污染河道",
             "举报某村违规发放低保"),
    "国家赔偿": ("被羁押后不起诉，申请国家赔偿",),
    "司法救助": ("遭受犯罪侵害致重伤，家庭困难，申请司法救助",
                 "交通肇事受害人家庭生活困难，申请救助"),
    "咨询": ("咨询民事支持起诉的条件", "咨询申请监督的期限和材料"),
    "其他": ("反映小区物业纠纷，要求协调", "反映征迁安置房迟迟未交付"),
}  # fmt: skip
CHANNELS = (("来访", 40), ("来信", 25), ("电话", 15), ("网上", 15), ("转来", 5))
ORGANS = ("闽侯县信访局", "闽侯县公安局", "福州市人民检察院", "闽侯县人民法院")
START = date(2025, 1, 2)


def id_number(region: str, born: date, serial: int) -> str:
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _person(rng: random.Random, i: int) -> dict[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    born = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    has_id = rng.random() < 0.8
    return {
        "name": name,
        "id_number": id_number("350121", born, i % 1000) if has_id else "",
        "phone": f"13{rng.randrange(0, 10)}{i % 100_000_000:08d}",
        "township": (town := rng.choice(TOWNS)),
        "address": f"{town}{rng.choice('东西南北')}{rng.choice('园林山洋')}村"
        f" {rng.randrange(1, 99)} 号",
    }


def rows(n: int, *, seed: int = 2025, days: int = 330) -> Iterator[dict[str, str]]:
    """``n`` rows of a register (keys of ``columns.COLUMNS``), received over ``days``."""
    rng = random.Random(seed)
    people: list[dict[str, str]] = []
    names = [c for c, _ in CHANNELS]
    weights = [w for _, w in CHANNELS]
    for i in range(n):
        if people and rng.random() < 0.2:  # came back
            who = rng.choice(people)
        else:
            who = _person(rng, i)
            people.append(who)
        got = START + timedelta(days=rng.randrange(0, days))
        category = rng.choice(list(REQUESTS))
        channel = rng.choices(names, weights)[0]
        r: dict[str, str] = {
            **who, "channel": channel, "received_on": got.isoformat(), "category": category,
            "request": rng.choice(REQUESTS[category]).format(n=rng.randrange(2, 60)),
            "own_no": f"侯检控〔{got.year}〕{i + 1}号" if rng.random() < 0.6 else "",
            "source_organ": rng.choice(ORGANS) if channel == "转来" else "",
            "source_ref": f"侯信转〔{got.year}〕{rng.randrange(1, 900)}号"
            if channel == "转来" else "",
            "officer": "", "decision": "", "decided_on": "", "decision_note": "",
            "handling": "", "replied_on": "", "reply": "", "archived_on": "",
        }  # fmt: skip
        _outcome(rng, r, got)
        yield r


def _outcome(rng: random.Random, r: dict[str, str], got: date) -> None:
    roll = rng.random()
    if roll < 0.03:
        return  # still waiting for a decision
    decided = got + timedelta(days=rng.randrange(1, 7))
    r["decided_on"] = decided.isoformat()
    if roll < 0.13:
        r["decision"], r["decision_note"] = "不予受理", "不属于检察机关管辖，已告知向有关机关反映"
    elif roll < 0.23:
        r["decision"], r["decision_note"] = "转办", rng.choice(ORGANS)
    else:
        r["decision"] = "受理"
        if roll < 0.27:
            return  # accepted, still being handled
        replied = decided + timedelta(days=rng.randrange(10, 80))
        r["handling"] = "调阅卷宗，听取双方意见"
        r["replied_on"], r["reply"] = replied.isoformat(), "经审查，已书面答复信访人，依法处理"
    last = date.fromisoformat(r["replied_on"] or r["decided_on"])
    if rng.random() < 0.8:
        r["archived_on"] = (last + timedelta(days=rng.randrange(31, 60))).isoformat()


# one of each mistake a real register has: (row index, what to change, what it is)
# fmt: off
MISTAKES: tuple[tuple[int, dict[str, str], str], ...] = (
    (3, {"received_on": "2025-02-30"}, "不存在的日期"),
    (7, {"id_number": "350121198001011233"}, "身份证号校验位错"),
    (11, {"category": "投诉"}, "未知的事项类别"),
    (15, {"channel": "微信"}, "未知的来源"),
    (19, {"channel": "转来", "source_organ": ""}, "转来未写机关"),
    (23, {"decision": "", "decided_on": "", "decision_note": "", "replied_on": "2025-06-01",
          "reply": "已答复", "handling": ""}, "未受理却有答复"),
    (27, {"decision": "受理", "decided_on": "2025-05-01", "decision_note": "",
          "replied_on": "2025-04-01", "reply": "已答复", "archived_on": ""}, "答复早于受理"),
    (31, {"name": ""}, "缺信访人姓名"),
)
# fmt: on


def with_mistakes(good: list[dict[str, str]]) -> list[dict[str, str]]:
    out = [dict(r) for r in good]
    for i, change, _ in MISTAKES:
        if i < len(out):
            out[i].update(change)
    return out


def to_csv(data: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.header for c in COLUMNS])
    for r in data:
        w.writerow([r.get(c.key, "") for c in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode()


def to_xlsx(data: list[dict[str, str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("信访记录")
    ws.append([c.header for c in COLUMNS])
    for r in data:
        ws.append([r.get(c.key, "") for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
