"""Chinese labels for every code people read: one place, used by the templates and the
code alike (a label written twice drifts).

Keys are the wire/database codes (English, stable); values are what the console,
reports and documents show. ``say(table, code)`` never shows a bare code: an unknown
one reads as a neutral word, so a page never prints ``transferred`` or
``account.login`` to an officer.
"""

from __future__ import annotations

from collections.abc import Mapping

from protocol.matters import MATTER_STATUS_ZH
from protocol.messages import (
    RATING_ZH,
    IdentityChecked,
    RatingGiven,
    ReceptionEnded,
    ReceptionStarted,
    WorkflowStepDone,
)
from protocol.petitions import CHANNEL_ZH
from protocol.step_fields import FIELD_ZH, FLAG_ZH

__all__ = [
    "ACTION_ZH", "ALERT_KIND_ZH", "ALERT_RECIPIENT_ZH", "AUDIT_ZH", "AWARENESS_DIM_ZH",
    "CHANNEL_ZH", "CLOCK_STATE_ZH", "CONFLICT_SUBJECT_ZH", "DEVICE_STATUS_ZH", "DRAW_STATUS_ZH",
    "FIELD_ZH", "FLAG_ZH", "HEARING_CATEGORY_ZH", "HEARING_MODE_ZH", "HEARING_ROLE_ZH",
    "HEARING_STATUS_ZH", "IMPORT_OUTCOME_ZH", "INGEST_EVENT_ZH", "KIND_ZH", "KPI_ZH",
    "MATTER_STATUS_ZH", "ORGAN_KIND_ZH", "PARTY_ROLE_ZH", "PLAN_STATUS_ZH", "RATING_ZH",
    "REPORT_TRIGGER_ZH", "RISK_ZH", "ROLE_ZH", "SEARCH_KIND_ZH", "SEGMENT_ZH", "SHARE_FIELD_ZH",
    "TASK_ORGAN_ZH", "TASK_STATUS_ZH", "TIMELINE_KIND_ZH", "WARNING_KIND_ZH", "WORK_BUCKET_ZH",
    "audit_action", "say",
]  # fmt: skip

KIND_ZH: Mapping[str, str] = {
    "walk_in": "来访",
    "leader": "领导接访",
    "group": "集体访",
    "online": "网上",
    "letter": "来信",
    "call": "电话",
    "transferred_in": "转来",
}
# a reception's kind as the full dossier's timeline titles it (every other kind: 来访)
TIMELINE_KIND_ZH: Mapping[str, str] = {
    "leader": "领导接访",
    "group": "集体访",
    "online": "网上信访",
}
RISK_ZH: Mapping[str, str] = {"low": "低", "medium": "中", "high": "高"}
ALERT_KIND_ZH: Mapping[str, str] = {
    "due_soon": "即将到期",
    "overdue": "已超期",
    "record_problem": "记录异常",
    "high_risk": "高风险接访",
    "early_warning": "态势预警",
    "foreign_reception": "设备越权",
    "quarantine_flood": "隔离激增",
    "calendar_gap": "节假日未载入",
    "evidence_parked": "录像待接待记录",
}
# whom an alert went to
ALERT_RECIPIENT_ZH: Mapping[str, str] = {"officer": "承办人", "leader": "领导"}
# the dashboard's early warnings (``central.awareness.warnings``)
WARNING_KIND_ZH: Mapping[str, str] = {
    "surge_township": "乡镇来访激增",
    "surge_category": "类别来访激增",
    "group_matter": "群体性事项",
    "returned_after_archive": "归档后再访",
}
# the figures of ``central.awareness.kpis.Kpis.as_dict`` a report lists
KPI_ZH: Mapping[str, str] = {
    "receptions": "接访人次",
    "persons": "来访人数",
    "leader_batches": "领导接访批次",
    "leader_persons": "领导接访人数",
    "matters_registered": "登记事项",
    "matters_closed": "办结（已书面答复）",
    "matters_archived": "立卷归档",
    "reply_1d_rate": "当日/次日程序性回复率",
    "on_time_rate": "按期程序性回复率",
    "avg_days_to_completion": "平均办结天数",
    "satisfaction_rate": "满意率",
    "dissatisfied": "不满意",
}
# the dashboard's drill-down keys, as its lists name them
AWARENESS_DIM_ZH: Mapping[str, str] = {
    "officer": "人员",
    "kind": "方式",
    "rating": "评价",
    "organ": "承办机关",
    "status": "状态",
    "id": "事项",
    "visits": "来访次数",
}
# what started a monthly report
REPORT_TRIGGER_ZH: Mapping[str, str] = {"manual": "手动", "schedule": "定时", "cli": "命令行"}
ROLE_ZH: Mapping[str, str] = {
    "officer": "接访人员",
    "leader": "领导",
    "admin": "管理员",
    "auditor": "审计员",
}
# what a person search matched on (``central.dossier.search.classify``)
SEARCH_KIND_ZH: Mapping[str, str] = {
    "id_number": "身份证号",
    "phone": "电话",
    "pinyin": "拼音",
    "name": "姓名",
}
# the desk events a quarantined (refused) event may be
INGEST_EVENT_ZH: Mapping[str, str] = {
    ReceptionStarted.TYPE: "开始记录",
    IdentityChecked.TYPE: "身份核验（当事人）",
    WorkflowStepDone.TYPE: "办理步骤",
    RatingGiven.TYPE: "满意度评价",
    ReceptionEnded.TYPE: "结束记录",
}
# what importing a row of old records did
IMPORT_OUTCOME_ZH: Mapping[str, str] = {
    "create": "新建",
    "unchanged": "已导入，未更改",
    "reject": "拒绝",
}
# an officer's work list
WORK_BUCKET_ZH: Mapping[str, str] = {"overdue": "超期", "due_soon": "临期", "todo": "待办"}
# organs matters are shared with and plans' tasks go to (``procuratorate``: our own staff)
ORGAN_KIND_ZH: Mapping[str, str] = {
    "police": "公安机关",
    "xfj": "信访局",
    "township": "乡镇（街道）",
    "other": "其他单位",
}
# a plan's task goes to an organ of one of these kinds, or to our own staff (本院)
TASK_ORGAN_ZH: Mapping[str, str] = {**ORGAN_KIND_ZH, "procuratorate": "本院"}
PLAN_STATUS_ZH: Mapping[str, str] = {"draft": "草稿", "sent": "已下发", "done": "已完成"}
TASK_STATUS_ZH: Mapping[str, str] = {"open": "未开始", "in_progress": "办理中", "done": "已完成"}
# public hearings (听证)
HEARING_STATUS_ZH: Mapping[str, str] = {
    "scheduled": "已安排",
    "held": "已举行",
    "cancelled": "已取消",
}
HEARING_MODE_ZH: Mapping[str, str] = {"in_person": "现场", "online": "网上"}  # + 听证 on a notice
HEARING_ROLE_ZH: Mapping[str, str] = {
    "officer": "听证员",
    "petitioner": "信访人",
    "organ": "有关单位",
    "witness": "见证人",
    "other": "其他",
}
HEARING_CATEGORY_ZH: Mapping[str, str] = {  # the registry's categories of hearing officers
    "npc_deputy": "人大代表",
    "cppcc_member": "政协委员",
    "lawyer": "律师",
    "legal_aid": "法律援助工作者",
    "community_rep": "社区代表",
    "other": "其他听证员",
}
DRAW_STATUS_ZH: Mapping[str, str] = {
    "committed": "已承诺，待公布",
    "revealed": "已公布结果",
    "abandoned": "已放弃",
}
# what a hearing officer may have an interest in (a conflict's subject)
CONFLICT_SUBJECT_ZH: Mapping[str, str] = {
    "person": "当事人（档案编号）",
    "matter": "事项（编号）",
    "org": "单位",
    "region": "地区",
}
# a desk box's retained MQTT status
DEVICE_STATUS_ZH: Mapping[str, str] = {"online": "在线", "offline": "离线"}
# the matter fields another organ may be allowed to see (``central.sharing.service.FIELDS``)
SHARE_FIELD_ZH: Mapping[str, str] = {
    "summary": "诉求摘要",
    "status": "办理状态",
    "registered_at": "登记时间",
    "risk_level": "风险等级",
    "risk_reason": "风险原因",
    "officer_id": "承办人",
    "reply_at": "答复时间",
}
# the steps of a matter (workflow ``Action`` values; the desk's steps are a subset)
ACTION_ZH: Mapping[str, str] = {
    "register": "登记",
    "notify": "告知",
    "accept": "受理",
    "decline": "不予受理",
    "transfer": "转办",
    "handle": "办理",
    "reply": "答复",
    "progress_reply": "过程答复",
    "review": "复查",
    "re_review": "复核",
    "supervise": "督办",
    "extend": "延期",
    "pause": "中止计时",
    "resume": "恢复计时",
    "archive": "立卷归档",
}
PARTY_ROLE_ZH: Mapping[str, str] = {
    "petitioner": "信访人",
    "representative": "代表",
    "member": "成员",
}
SEGMENT_ZH: Mapping[str, str] = {
    "ok": "已核验",
    "chain_broken": "链断裂",
    "missing": "文件缺失",
    "not_in_log": "未入日志",
}
CLOCK_STATE_ZH: Mapping[str, str] = {
    "running": "计时中",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "paused": "中止计时",
    "met": "按期完成",
    "late": "超期完成",
    "window_open": "申请期限内",
    "window_closed": "申请期限届满",
    "used": "已申请",
}
AUDIT_ZH: Mapping[str, str] = {
    "account.add": "新建账户",
    "account.login": "登录",
    "account.logout": "退出登录",
    "account.enable": "启用账户",
    "account.disable": "停用账户",
    "account.password.reset": "重设密码",
    "account.unlock": "解除登录锁定",
    "account.lockout": "登录失败过多，锁定",
    "account.slowdown": "登录失败较多，限速",
    "account.update": "修改账户",
    "login.ip.lockout": "来源地址登录失败过多，锁定",
    "login.ip.unlock": "解除来源地址锁定",
    "person.search": "检索当事人",
    "person.dossier.read": "查阅档案",
    "person.timeline.read": "查阅来访记录",
    "person.duplicates.read": "查找重复档案",
    "person.profile.read": "查阅人员画像",
    "person.merge": "合并档案",
    "person.merge.undo": "撤销合并",
    "reception.read": "查阅接访记录",
    "reception.list.read": "查阅接访列表",
    "reception.cancelled": "接访终端撤销接待",
    "reception.step.corrected": "更正接访环节",
    "recording.play": "回放录音录像",
    "recording.status.read": "查阅录音录像核验",
    "matter.read": "查阅事项",
    "matter.register": "登记事项",
    "matter.intake": "登记来信来电",
    "matter.attachment.add": "上传附件",
    "matter.attachment.read": "查看附件",
    "person.match": "登记时查找当事人",
    "matter.tag": "标注事项类别",
    "matter.visit.link": "关联来访",
    "matter.visit.cancelled": "关联的来访已撤销",
    "matter.step.parked": "接访终端环节待补",
    "matter.step.replayed": "接访终端环节补录",
    "matter.step.refused": "接访终端环节未采用",
    "supervision.open": "加入督办",
    "review.record": "不满意复核",
    "plan.draft": "起草协同方案",
    "plan.edit": "修改协同方案",
    "plan.send": "下发协同方案",
    "plan.progress": "报告任务进度",
    "sharing.share": "向有关单位共享事项",
    "sharing.organ.create": "登记有关单位",
    "sharing.token.issue": "签发单位令牌",
    "sharing.token.revoke": "吊销单位令牌",
    "sharing.rate.set": "设置单位访问频率",
    "device.register": "登记接访终端",
    "device.revoke": "吊销接访终端",
    "provisioning.credential.issue": "签发部署凭据",
    "provisioning.credential.revoke": "吊销部署凭据",
    "quarantine.read": "查阅隔离消息",
    "identity.consents.read": "查阅生物特征同意记录",
    "identity.deletions.read": "查阅生物特征删除记录",
    "biometric.deleted": "删除生物特征",
    "officer.locked_out": "接访终端 PIN 锁定",
    "hearing.schedule": "安排听证",
    "hearing.cancel": "取消听证",
    "hearing.outcome": "记录听证结果",
    "hearing.draw.commit": "承诺抽取听证员",
    "hearing.draw.reveal": "公布抽取结果",
    "hearing.registry.add": "听证员入册",
    "hearing.registry.conflict": "登记利害关系",
    "hearing.registry.activate": "恢复听证员",
    "hearing.registry.deactivate": "停用听证员",
}


def say(table: Mapping[str, str], code: str | None, default: str = "—") -> str:
    """``code``'s label; an unknown code reads as ``default``, never as itself."""
    if not code:
        return default
    return table.get(code, default)


def audit_action(code: str) -> str:
    """What an audit row's action says to a person (``matter.accept`` → 事项：受理)."""
    if code in AUDIT_ZH:
        return AUDIT_ZH[code]
    kind, _, rest = code.partition(".")
    if kind == "matter" and rest in ACTION_ZH:
        return f"事项：{ACTION_ZH[rest]}"
    if kind == "sharing":
        return "有关单位访问" if rest == "access" else "有关单位访问被拒"
    return "其他操作"
