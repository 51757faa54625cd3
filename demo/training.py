"""The training module's demo data, made by ``seed_demo`` through the services (so articles are
in the search index): a training plan per demo project, three sessions of Eastbay's plan, a
second Eastbay contact, knowledge base categories and articles in English and Chinese.

- an online session next week with free seats, for alice to enrol in;
- a centralised session two weeks ago that alice attended: marked present, feedback given,
  so her certificate downloads;
- an on-site session with one seat, taken by carol, with alice on the waiting list.

Idempotent: what exists (found by its title) is left alone.
"""

import datetime

from django.utils import timezone

from accounts.models import User
from customers import services as customer_services
from customers.models import Organisation, Project
from training import services
from training.models import Article, Category, Enrolment, Topic, TrainingPlan, TrainingSession

# a second contact of Eastbay Water, so that a session can be full with alice in line
COLLEAGUE = ("carol", "Carol", "Sun", "carol@eastbay-water.example", "+86 138 0000 0003", "Control room operator")

PLANS = {
    # project code: title, audience, topics (kind, title, hours)
    "ebw-scada": (
        "SCADA platform training",
        "Control room operators and the IT operations team",
        [
            (Topic.Kind.PRINCIPLES, "How the SCADA platform works: servers, historian, workstations", 2),
            (Topic.Kind.OPERATION, "Daily operation of the operator workstations", 3),
            (Topic.Kind.TROUBLESHOOTING, "Alarms, communication faults and what to check first", 2),
            (Topic.Kind.MAINTENANCE, "Daily and weekly checks, backups", 1.5),
            (Topic.Kind.CUSTOM, "Telemetry of Eastbay's pumping stations", 1),
        ],
    ),
    "ngh-records": (
        "Patient records system training",
        "Ward administrators and the hospital IT team",
        [
            (Topic.Kind.PRINCIPLES, "How the records cluster and its storage fit together", 1.5),
            (Topic.Kind.OPERATION, "Running the records application day to day", 2),
            (Topic.Kind.TROUBLESHOOTING, "When a ward cannot open records", 2),
            (Topic.Kind.MAINTENANCE, "Backups, restore tests and storage firmware", 1.5),
            (Topic.Kind.CUSTOM, "Emergency ward procedures during an outage", 1),
        ],
    ),
}

CATEGORIES = [
    # English, Chinese
    ("Troubleshooting", "故障排除"),
    ("Network", "网络"),
    ("Printers and labels", "打印机与标签"),
    ("Backup and restore", "备份与恢复"),
    ("Warranty and service", "保修与服务"),
]

PUBLISHED, DRAFT = Article.Status.PUBLISHED, Article.Status.DRAFT
PUBLIC, CUSTOMERS, STAFF = Article.Visibility.PUBLIC, Article.Visibility.CUSTOMERS, Article.Visibility.STAFF
TROUBLESHOOTING, FAQ, HOWTO = Article.Kind.TROUBLESHOOTING, Article.Kind.FAQ, Article.Kind.HOWTO

# key, translation of (key), title, language, kind, visibility, status, category, tags, projects, products, body
ARTICLES = [
    (
        "server-zh",
        None,
        "服务器故障排除指南",
        "zh-hans",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Troubleshooting",
        ["server", "服务器"],
        [],
        [("SCADA Server", "4.x")],
        "服务器无响应或无法启动时，请按以下顺序排查：\n\n"
        "1. 检查电源指示灯和电源线，确认不间断电源（UPS）正常供电。\n"
        "2. 查看前面板的硬盘指示灯：红灯表示硬盘故障，请记下槽位号。\n"
        "3. 能登录时，查看系统日志中最近的错误，并检查磁盘空间是否已满。\n"
        "4. 重启服务前，先通知控制室值班人员。\n\n"
        "仍无法恢复时，请提交故障报告，并附上日志和指示灯照片。",
    ),
    (
        "server-en",
        "server-zh",
        "Server troubleshooting guide",
        "en",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Troubleshooting",
        ["server"],
        [],
        [("SCADA Server", "4.x")],
        "When a server does not answer or does not start, check in this order:\n\n"
        "1. The power lights and cables; make sure the UPS is supplying power.\n"
        "2. The disk lights on the front panel: a red light is a failed disk; note its slot.\n"
        "3. If you can log in, read the latest errors in the system log and check that the disks are not full.\n"
        "4. Tell the control room on duty before restarting any service.\n\n"
        "If it still does not recover, report a fault with the log and a photo of the lights.",
    ),
    (
        "network-zh",
        None,
        "网络中断的处理方法",
        "zh-hans",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Network",
        ["network", "网络"],
        [],
        [],
        "网络中断时：\n\n"
        "1. 查看交换机端口指示灯：熄灭表示链路断开，请检查网线和光纤跳线。\n"
        "2. 从操作员工作站 ping 网关和服务器，确定中断范围。\n"
        "3. 泵站通信中断时，备用 4G 链路会自动接管，请在监控画面上确认。\n"
        "4. 重启交换机前，请与值班工程师确认。",
    ),
    (
        "network-en",
        "network-zh",
        "Handling a network outage",
        "en",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Network",
        ["network"],
        [],
        [],
        "When the network is down:\n\n"
        "1. Look at the switch port lights: a dark port is a broken link; check the cable and the fibre patch cord.\n"
        "2. Ping the gateway and the servers from an operator workstation to see how far the outage reaches.\n"
        "3. If the pumping stations are cut off, the backup 4G link takes over: check it on the overview screen.\n"
        "4. Ask the engineer on duty before restarting a switch.",
    ),
    (
        "printer-en",
        None,
        "Label printer prints blank or shifted labels",
        "en",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Printers and labels",
        ["printer", "labels"],
        [],
        [],
        "Blank labels: the ribbon is out or inserted the wrong way round; the ink side faces the labels.\n\n"
        "Labels shifted or every second one skipped: calibrate the label sensor (hold the feed button until "
        "the printer feeds two labels), and check that the label size in the driver matches the roll.\n\n"
        "Paper jam: open the cover, remove the roll, cut off the crumpled labels and thread it again.",
    ),
    (
        "printer-zh",
        "printer-en",
        "标签打印机打印空白或错位",
        "zh-hans",
        TROUBLESHOOTING,
        PUBLIC,
        PUBLISHED,
        "Printers and labels",
        ["printer", "打印机"],
        [],
        [],
        "打印空白：碳带用完或装反了，碳带的涂层面应朝向标签。\n\n"
        "标签错位或隔一张打印：校准标签传感器（按住走纸键，直到打印机走出两张标签），并确认驱动程序中的标签尺寸与标签卷一致。\n\n"
        "卡纸：打开机盖，取出标签卷，剪掉皱折的标签后重新装纸。",
    ),
    (
        "backup-en",
        None,
        "How to back up and restore the historian database",
        "en",
        HOWTO,
        CUSTOMERS,
        PUBLISHED,
        "Backup and restore",
        ["backup", "historian"],
        [],
        [("Historian DB", "2.x")],
        "Back up: the nightly job writes a full backup to the backup share at 02:00; check its log each "
        "morning in the backup console.\n\n"
        "Restore a test copy once a month: choose the latest backup, restore it to the test server, and "
        "compare the last hour of flow data with the live historian.\n\n"
        "Never restore over the live database without the service desk: call the hotline first.",
    ),
    (
        "warranty-en",
        None,
        "Warranty FAQ: what is covered, and for how long?",
        "en",
        FAQ,
        PUBLIC,
        PUBLISHED,
        "Warranty and service",
        ["warranty"],
        [],
        [],
        "How long? Two years from the project's final acceptance date, to the day.\n\n"
        "What is covered? Faults from product quality or installation: repairs, replacements, patches and "
        "minor upgrades are free.\n\n"
        "What is not? Misuse, force majeure, changes by a third party, and major-version upgrades; these are "
        "billable, and the ticket tells you why.",
    ),
    (
        "warranty-zh",
        "warranty-en",
        "保修常见问题：保修范围和保修期",
        "zh-hans",
        FAQ,
        PUBLIC,
        PUBLISHED,
        "Warranty and service",
        ["warranty", "保修"],
        [],
        [],
        "保修期多长？自项目终验之日起两年，精确到日。\n\n"
        "保修范围？因产品质量或安装引起的故障：维修、更换、补丁和小版本升级均免费。\n\n"
        "哪些不在保修范围内？使用不当、不可抗力、第三方改动以及大版本升级；这些需要收费，工单中会说明原因。",
    ),
    (
        "staff-en",
        None,
        "Resetting the SCADA server's service account",
        "en",
        HOWTO,
        STAFF,
        PUBLISHED,
        "Troubleshooting",
        ["server", "accounts"],
        [],
        [("SCADA Server", "4.x")],
        "Staff only. Log in to the service console with the vendor key, open Accounts, choose the service "
        "account and reset it; then update the password in the historian's collector settings and restart "
        "the collector. Never give the customer the vendor key.",
    ),
    (
        "alarms-zh",
        None,
        "SCADA 报警风暴的处理",
        "zh-hans",
        TROUBLESHOOTING,
        CUSTOMERS,
        PUBLISHED,
        "Troubleshooting",
        ["alarms", "报警"],
        ["ebw-scada"],
        [("SCADA Server", "4.2")],
        "短时间内出现大量报警（报警风暴）时：\n\n"
        "1. 先在报警画面上按区域筛选，找出最先出现的报警。\n"
        "2. 若是同一泵站的通信报警，多半是链路中断，请参考《网络中断的处理方法》。\n"
        "3. 4.2 版本在历史库同步延迟时会重复报警，升级到 4.3 可解决。",
    ),
    (
        "draft-en",
        None,
        "Operator workstation freezes after a Windows update",
        "en",
        TROUBLESHOOTING,
        STAFF,
        DRAFT,
        "Troubleshooting",
        ["workstation"],
        [],
        [("Operator workstation", "2025.1")],
        "Draft. Symptoms: the workstation freezes a few minutes after logging in, since the last update. "
        "Measures so far: rolled back the display driver on one workstation, which helped.",
    ),
]


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _colleague(organisation: Organisation, password: str) -> tuple[User, int]:
    username, first, last, email, phone, title = COLLEAGUE
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, 0
    user = customer_services.contact_create(
        organisation=organisation,
        username=username,
        password=password,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        job_title=title,
    )
    return user, 1


def _plans(engineer: User) -> tuple[dict[str, TrainingPlan], int]:
    plans, created = {}, 0
    for code, (title, audience, topics) in PLANS.items():
        project = Project.objects.filter(code=code).first()
        if project is None:
            continue
        plan = TrainingPlan.objects.filter(project=project, title=title).first()
        if plan is None:
            plan = services.plan_save(
                actor=engineer,
                project=project,
                title=title,
                audience=audience,
                topics=[{"kind": kind, "title": name, "hours": hours} for kind, name, hours in topics],
            )
            created += 1
        plans[code] = plan
    return plans, created


def _sessions(plan: TrainingPlan, engineer: User, tech: User, alice: User, carol: User) -> int:
    created = 0
    today = timezone.localdate()
    topics = {topic.kind: topic for topic in plan.topics.all()}
    wanted = [
        {
            "title": "Operating the SCADA platform (online)",
            "format": TrainingSession.Format.ONLINE,
            "meeting_link": "https://meeting.example.com/j/ebw-scada-operation",
            "trainer": engineer,
            "starts_at": _local(today + datetime.timedelta(days=7), 10),
            "hours": 2,
            "capacity": 12,
            "language": "zh-hans",
            "topics": [Topic.Kind.OPERATION, Topic.Kind.TROUBLESHOOTING],
        },
        {
            "title": "SCADA fundamentals (centralised)",
            "format": TrainingSession.Format.CENTRALISED,
            "location": "Service desk training centre, 200 Zhangjiang Road, Pudong, Shanghai",
            "trainer": engineer,
            "starts_at": _local(today - datetime.timedelta(days=14), 9),
            "hours": 7,
            "capacity": 20,
            "language": "en",
            "topics": [Topic.Kind.PRINCIPLES, Topic.Kind.OPERATION, Topic.Kind.MAINTENANCE],
        },
        {
            "title": "Alarm handling in the control room (on site)",
            "format": TrainingSession.Format.ONSITE,
            "location": plan.project.site_address or plan.project.name,
            "trainer": tech,
            "starts_at": _local(today + datetime.timedelta(days=14), 14),
            "hours": 2,
            "capacity": 1,
            "language": "zh-hans",
            "topics": [Topic.Kind.TROUBLESHOOTING, Topic.Kind.CUSTOM],
        },
    ]
    for data in wanted:
        if plan.sessions.filter(title=data["title"]).exists():
            continue
        hours, kinds = data.pop("hours"), data.pop("topics")
        session = services.session_save(
            actor=engineer,
            plan=plan,
            ends_at=data["starts_at"] + datetime.timedelta(hours=hours),
            topics=[topics[kind] for kind in kinds if kind in topics],
            **data,
        )
        created += 1
        if session.starts_at < timezone.now():
            created += _attended(session, alice)
        elif session.capacity == 1:
            # carol takes the one seat (enrolled by staff), alice waits in line
            services.enrol(session_id=session.pk, contact=carol, actor=engineer)
            services.enrol(session_id=session.pk, contact=alice, actor=alice)
            created += 2
    return created


def _attended(session: TrainingSession, alice: User) -> int:
    """Alice's seat in a past session, marked present, with her feedback. Enrolment closes when a
    session starts, so this history is written directly; attendance and feedback go through the
    services."""
    enrolment, made = Enrolment.objects.get_or_create(
        session=session,
        contact=alice,
        defaults={"queued_at": session.starts_at - datetime.timedelta(days=7), "enrolled_by": alice},
    )
    services.attendance_take(
        session_id=session.pk, actor=session.trainer, marks={enrolment.pk: Enrolment.Attendance.PRESENT}
    )
    services.feedback_submit(
        enrolment_id=enrolment.pk,
        actor=alice,
        rating=5,
        trainer_rating=5,
        comments="Clear and practical. More time on the alarm screens next time, please.",
    )
    return int(made)


def _articles(author: User) -> int:
    created = 0
    categories = {}
    for position, (name, name_zh) in enumerate(CATEGORIES, start=1):
        categories[name] = Category.objects.filter(name=name).first()
        if categories[name] is None:
            categories[name] = services.category_save(name=name, name_zh=name_zh, position=position)
            created += 1
    saved: dict[str, Article] = {}
    for key, original, title, language, kind, visibility, status, category, tags, codes, products, body in ARTICLES:
        article = Article.objects.filter(title=title, language=language).first()
        if article is None:
            article = services.article_save(
                actor=author,
                title=title,
                body=body,
                language=language,
                kind=kind,
                visibility=visibility,
                status=status,
                category=categories[category],
                translation_of=saved.get(original),
                tags=tags,
                projects=list(Project.objects.filter(code__in=codes)),
                applies_to=[{"product": product, "versions": versions} for product, versions in products],
            )
            created += 1
        saved[key] = article
    return created


def seed(*, password: str) -> int:
    """Make what is missing (carol gets ``password``); returns how many objects were created."""
    users = {user.username: user for user in User.objects.filter(username__in=["engineer", "tech", "alice"])}
    if len(users) < 3 or users["alice"].organisation is None:
        return 0
    engineer, tech, alice = users["engineer"], users["tech"], users["alice"]
    carol, created = _colleague(alice.organisation, password)
    plans, made = _plans(engineer)
    created += made
    if "ebw-scada" in plans:
        created += _sessions(plans["ebw-scada"], engineer, tech, alice, carol)
    created += _articles(engineer)
    return created
