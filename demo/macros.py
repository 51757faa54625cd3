"""Macros (canned replies) made by ``seed_demo`` through the service, each in English and
Chinese: five desk-wide ones (kept by the manager), a personal one of ``engineer`` and one of
the first-line support team.

Idempotent: a macro whose name exists in its scope is left alone.
"""

from accounts.models import Team, User
from tickets.models import Macro
from tickets.services import macros

DESK = [
    {
        "name": "Acknowledge and ask for logs",
        "body_en": (
            "Dear {{ customer.name }},\n\n"
            "thank you for your report {{ ticket.reference }} ({{ ticket.title }}). We are looking into it. "
            "To speed up the diagnosis, please send us the system logs of the last 24 hours and a screenshot "
            "of any error message.\n\nBest regards,\n{{ engineer.name }}"
        ),
        "body_zh_hans": (
            "{{ customer.name }}您好：\n\n"
            "感谢您提交故障报告 {{ ticket.reference }}（{{ ticket.title }}），我们正在处理。"
            "为加快诊断，请发送最近 24 小时的系统日志以及错误信息的截图。\n\n此致\n{{ engineer.name }}"
        ),
        "set_status": "in_progress",
        "assignment": "applier",
    },
    {
        "name": "On-site visit scheduled",
        "body_en": (
            "Dear {{ customer.name }},\n\n"
            "the fault {{ ticket.reference }} cannot be fixed remotely, so an engineer will come on site "
            "to {{ project.name }}. We will call you with the arrival time.\n\nBest regards,\n{{ engineer.name }}"
        ),
        "body_zh_hans": (
            "{{ customer.name }}您好：\n\n"
            "故障 {{ ticket.reference }} 无法远程解决，我们将派工程师到 {{ project.name }} 提供现场技术支持，"
            "并会致电告知到达时间。\n\n此致\n{{ engineer.name }}"
        ),
    },
    {
        "name": "Waiting for your answer",
        "body_en": (
            "Dear {{ customer.name }},\n\n"
            "we need your answer to continue with {{ ticket.reference }}: please reply to this message "
            "with the information requested above.\n\nBest regards,\n{{ engineer.name }}"
        ),
        "body_zh_hans": (
            "{{ customer.name }}您好：\n\n处理工单 {{ ticket.reference }} 需要您的回复，请回复本消息并提供上述信息。"
            "\n\n此致\n{{ engineer.name }}"
        ),
        "set_status": "waiting_on_customer",
    },
    {
        "name": "Resolved, please confirm",
        "body_en": (
            "Dear {{ customer.name }},\n\n"
            "we have resolved {{ ticket.reference }} ({{ ticket.title }}). Please check that the system works "
            "as expected; if the fault returns, reply here and the ticket reopens.\n\n"
            "Best regards,\n{{ engineer.name }}"
        ),
        "body_zh_hans": (
            "{{ customer.name }}您好：\n\n"
            "工单 {{ ticket.reference }}（{{ ticket.title }}）已解决。请确认系统运行正常；如故障再次出现，"
            "请在此回复，工单将重新打开。\n\n此致\n{{ engineer.name }}"
        ),
        "set_status": "resolved",
    },
    {
        "name": "Escalated to the emergency plan",
        "body_en": (
            "Dear {{ customer.name }},\n\n"
            "we have escalated {{ ticket.reference }} to our emergency plan: the emergency leadership group "
            "is informed and the emergency technical group is working on it. You will hear from us by "
            "{{ sla.first_response_due }} at the latest.\n\nBest regards,\n{{ engineer.name }}"
        ),
        "body_zh_hans": (
            "{{ customer.name }}您好：\n\n"
            "工单 {{ ticket.reference }} 已升级并启动应急预案：应急领导小组已知悉，应急技术小组正在处理。"
            "我们最迟将于 {{ sla.first_response_due }} 前与您联系。\n\n此致\n{{ engineer.name }}"
        ),
        "set_priority": "urgent",
    },
]

PERSONAL = {
    "name": "Remote desktop session",
    "body_en": (
        "Dear {{ customer.name }},\n\nplease start the remote desktop tool and send me the session code, "
        "so I can look at {{ ticket.reference }} with you.\n\n{{ engineer.name }}"
    ),
    "body_zh_hans": (
        "{{ customer.name }}您好：\n\n请启动远程桌面工具并将会话代码发给我，以便我与您一起查看 "
        "{{ ticket.reference }}。\n\n{{ engineer.name }}"
    ),
}

TEAM = {
    "name": "Internal: logs checked, no hardware fault",
    "body_en": "Logs of {{ ticket.reference }} checked: no hardware fault found; continuing with the software.",
    "body_zh_hans": "已检查 {{ ticket.reference }} 的日志：未发现硬件故障，继续排查软件。",
    "public": False,
}


def seed_macros() -> int:
    """Returns how many macros were made."""
    made = 0
    manager = User.objects.filter(username="manager").first()
    if manager is not None:
        for fields in DESK:
            if not Macro.objects.filter(scope=Macro.Scope.DESK, name=fields["name"]).exists():
                macros.macro_save(actor=manager, scope=Macro.Scope.DESK, **fields)
                made += 1
    engineer = User.objects.filter(username="engineer").first()
    if engineer is not None and not Macro.objects.filter(owner=engineer, name=PERSONAL["name"]).exists():
        macros.macro_save(actor=engineer, scope=Macro.Scope.PERSONAL, **PERSONAL)
        made += 1
    team = Team.objects.filter(slug="first-line-support").first()
    if team is not None and manager is not None and not Macro.objects.filter(team=team, name=TEAM["name"]).exists():
        macros.macro_save(actor=manager, scope=Macro.Scope.TEAM, team=team, **TEAM)
        made += 1
    return made
