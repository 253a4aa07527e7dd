"""Plain-language pages for the petitioner (高效法治体验).

Written for a person with no legal training: short sentences, one idea per line, the
numbers that matter in large type, a picture on every page (``templates/svg_*.html``).
The laws are named so the person can look them up or ask; the words are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import UiConfig


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    lead: str
    points: tuple[str, ...]
    picture: str  # template name of the drawing
    law: str = ""  # where it comes from, in a line


def pages(cfg: UiConfig) -> list[Page]:
    reply = f"{cfg.reply_days}个工作日" if cfg.reply_working_days else f"{cfg.reply_days}天"
    return [
        Page(
            "steps",
            "您的事情会这样办",
            "从您坐下到拿到答复，一共五步。每一步我们都会告诉您。",
            (
                "① 登记：工作人员记下您要反映的事情。",
                "② 告知：告诉您我们能管什么、多久答复、您有哪些权利。",
                "③ 受理：属于检察院管的，我们接下来办；不属于的，告诉您该找谁。",
                "④ 办理：承办人调查、核实。",
                "⑤ 答复：把结果书面告诉您。",
            ),
            "svg_steps.html",
            "依据：《信访工作条例》（2022年）、人民检察院信访工作有关规定",
        ),
        Page(
            "deadlines",
            "多久给您答复",
            "每件来信来访都有回复，而且有期限。",
            (
                f"{reply}内：告诉您是否受理、由谁来办。",
                f"{cfg.accept_days}天内：决定是否受理。",
                f"{cfg.result_months}个月内：告诉您办理结果；还没办完的，告诉您办到哪一步了，"
                "以后每个月再告诉您一次。",
                f"收到书面答复后{cfg.review_request_days}天内：如果不满意，可以请求复查。",
            ),
            "svg_deadlines.html",
            "依据：最高人民检察院“群众信访件件有回复”制度；《信访工作条例》",
        ),
        Page(
            "rights",
            "您的权利",
            "您有权被认真对待，也有权知道事情办得怎么样。",
            (
                "您可以如实反映情况，提出意见和要求。",
                "您可以随时询问事情办到哪一步了。",
                "对答复不满意的，可以请求复查；对复查意见仍不满意的，可以请求复核。",
                "接待全程录音录像，是为了保护您，也是为了监督我们的工作。",
                "接待结束时，请按桌上的按钮为我们的工作打分。",
            ),
            "svg_rights.html",
            "依据：《信访工作条例》（2022年）",
        ),
        Page(
            "privacy",
            "您的个人信息",
            "人脸和声纹只有在您单独同意后才会使用。不同意，办事不受任何影响。",
            (
                "不愿意用人脸或声纹的，用身份证或手机号登记就可以。",
                "我们只保存加密后的特征数据，不保存您的照片和录音原件。",
                "您可以随时要求删除这些数据。",
            ),
            "svg_privacy.html",
            "依据：《中华人民共和国个人信息保护法》第二十八条、第二十九条",
        ),
        Page(
            "rating",
            "请为我们打分",
            "接待结束时，桌上的三个按钮会亮起来。按一下就可以。",
            (
                "“满意”：您对这次接待满意。",
                "“基本满意”：大体满意，还有不足。",
                "“不满意”：领导会查看这次接待，并跟进您的事情。",
                "只需要按一次。",
            ),
            "svg_rating.html",
        ),
    ]


def page(cfg: UiConfig, slug: str) -> Page | None:
    return next((p for p in pages(cfg) if p.slug == slug), None)
