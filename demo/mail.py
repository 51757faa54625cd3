"""The email intake's demo data, made by ``seed_demo``: one routing rule and a few emails filed
through ``message_ingest``, the one code path the poller uses, so the intake's pages and the
admin have something to show. The demo mailbox is inactive (a mailbox on a made-up server would
log a failed poll every minute): it only names the receiving server whose Authentication-Results
the desk trusts, for the one email filed through it.

- a routing rule: a subject containing "SCADA" goes to Eastbay's SCADA project, high priority;
- alice writes from Foxmail in GBK (labelled GB2312, as Chinese mail programs do), copying
  carol, with a log file attached: a ticket opens in Eastbay's project, marked "sender not
  verified" (the demo desk has no MAIL_AUTHSERV_ID, so the email's Cc copies nobody); alice
  then puts carol on its CC list herself, as in the portal;
- alice adds to it from her phone, quoting her first email: her reply lands on that ticket,
  trimmed of the quote and the "sent from" line;
- someone Eastbay has not registered yet writes in UTF-8 (text and HTML): it waits for triage;
- bob's out-of-office answers: ignored (``Auto-Submitted: auto-replied``);
- a message without a sender: quarantined;
- carol writes through the demo mailbox, whose server vouches for her domain (DMARC pass), copying
  alice and an outside consultant: the ticket is filed as hers and verified, alice is copied at
  once, the consultant waits for staff to approve.

Idempotent: each email has its own Message-ID, which the intake reads once; the rule is found
by its name.
"""

import base64
import datetime
import email.utils

from django.conf import settings
from django.utils import timezone

from customers.models import Project
from mail import services
from mail.models import Mailbox, RoutingRule
from tickets import services as tickets
from tickets.models import Priority

DOMAIN = "demo.service-desk.example"
RULE = "SCADA faults to Eastbay's SCADA platform"
ALICE_FIRST = f"<alice-scada-alarm@{DOMAIN}>"
CAROL = "carol@eastbay-water.example"
MAILBOX = "Demo service mailbox (not polled)"
AUTHSERV_ID = f"mx.{DOMAIN}"
CAROL_VERIFIED = f"<carol-scada-report@{DOMAIN}>"


def _encoded(text: str, charset: str, label: str | None = None) -> str:
    """An RFC 2047 encoded word (``label``: the charset it claims to be)."""
    return f"=?{label or charset}?B?{base64.b64encode(text.encode(charset)).decode('ascii')}?="


def _b64(text: str, charset: str) -> str:
    data = base64.b64encode(text.encode(charset)).decode("ascii")
    return "\r\n".join(data[i : i + 76] for i in range(0, len(data), 76))


def _message(headers: list[tuple[str, str]], body: str) -> bytes:
    lines = [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n").encode("ascii")


def _date(minutes_ago: int) -> str:
    return email.utils.format_datetime(timezone.now() - datetime.timedelta(minutes=minutes_ago))


def _desk() -> str:
    """The address customers write to: the desk's own, so it is not copied on the ticket."""
    return settings.MAIL_ADDRESS or settings.MAIL_REPLY_TO or settings.DEFAULT_FROM_EMAIL


ALICE_TEXT = """您好，

今天上午 9 点起，SCADA 服务器多次报警："历史数据库同步失败"。操作员站的趋势图
每隔 10 分钟出现一次数据缺口，泵站的流量数据没有写入历史库。

已做的处理：重启了历史数据库服务，问题仍然存在。报警日志见附件。

请尽快安排工程师排查。

吴爱丽
东湾水务 IT 运维
电话：138 0000 0001
"""

ALICE_LOG = """2026-11-30 09:02:11 ALARM historian-sync: 同步失败 (timeout 30 s)
2026-11-30 09:12:11 ALARM historian-sync: 同步失败 (timeout 30 s)
2026-11-30 09:22:12 ALARM historian-sync: 同步失败 (timeout 30 s)
"""

ALICE_REPLY = """补充一下：下午 2 点以后报警变得更频繁了，大约每 5 分钟一次。
今天下午 4 点前我们都在控制中心，可以远程协助。

发自我的iPhone

在 2026年11月30日 09:31，吴爱丽 <alice@eastbay-water.example> 写道：
> 您好，
>
> 今天上午 9 点起，SCADA 服务器多次报警："历史数据库同步失败"。
"""

STRANGER_TEXT = """Hello,

I joined Eastbay Water's control room team last week. Pumping station 3 shows no telemetry
on my operator workstation since this morning, while the other stations are fine.

Could someone have a look? I do not have an account on your portal yet.

Zhao Min
Eastbay Water Utility, control room
"""

STRANGER_HTML = """<html><body><p>Hello,</p>
<p>I joined Eastbay Water's control room team last week. <b>Pumping station 3</b> shows no
telemetry on my operator workstation since this morning, while the other stations are fine.</p>
<p>Could someone have a look? I do not have an account on your portal yet.</p>
<p>Zhao Min<br>Eastbay Water Utility, control room</p></body></html>"""


def messages() -> list[bytes]:
    """The demo emails, in the order they arrive."""
    desk = _desk()
    alice = f"{_encoded('吴爱丽', 'gbk', 'GB2312')} <alice@eastbay-water.example>"
    alice_first = _message(
        [
            ("From", alice),
            ("To", desk),
            ("Cc", "carol@eastbay-water.example"),
            ("Subject", _encoded("SCADA 服务器报警：历史数据库同步失败", "gbk", "GB2312")),
            ("Date", _date(95)),
            ("Message-ID", ALICE_FIRST),
            ("X-Mailer", "Foxmail 7.2.25.228[cn]"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/mixed; boundary="----=_NextPart_demo_alice"'),
        ],
        "This is a multi-part message in MIME format.\n\n"
        "------=_NextPart_demo_alice\n"
        'Content-Type: text/plain; charset="gb2312"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{_b64(ALICE_TEXT, 'gbk')}\n\n"
        "------=_NextPart_demo_alice\n"
        'Content-Type: application/octet-stream; name="alarm.log"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="alarm.log"\n\n'
        f"{_b64(ALICE_LOG, 'gbk')}\n\n"
        "------=_NextPart_demo_alice--\n",
    )
    alice_reply = _message(
        [
            ("From", "Alice Wu <alice@eastbay-water.example>"),
            ("To", desk),
            ("Subject", _encoded("回复：SCADA 服务器报警：历史数据库同步失败", "utf-8", "UTF-8")),
            ("Date", _date(30)),
            ("Message-ID", f"<alice-scada-alarm-2@{DOMAIN}>"),
            ("In-Reply-To", ALICE_FIRST),
            ("References", ALICE_FIRST),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="utf-8"'),
            ("Content-Transfer-Encoding", "base64"),
        ],
        _b64(ALICE_REPLY, "utf-8"),
    )
    stranger = _message(
        [
            ("From", "Zhao Min <zhao.min@eastbay-water.example>"),
            ("To", desk),
            ("Subject", "Pumping station 3: no telemetry"),
            ("Date", _date(20)),
            ("Message-ID", f"<zhao-min-station-3@{DOMAIN}>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/alternative; boundary="demo-alternative"'),
        ],
        "--demo-alternative\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{_b64(STRANGER_TEXT, 'utf-8')}\n\n"
        "--demo-alternative\n"
        'Content-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n\n"
        f"{_b64(STRANGER_HTML, 'utf-8')}\n\n"
        "--demo-alternative--\n",
    )
    out_of_office = _message(
        [
            ("From", "Bob Zhou <bob@northgate-hospital.example>"),
            ("To", desk),
            ("Subject", _encoded("自动回复：我不在办公室 / Out of office", "utf-8", "UTF-8")),
            ("Date", _date(10)),
            ("Message-ID", f"<bob-out-of-office@{DOMAIN}>"),
            ("Auto-Submitted", "auto-replied"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="utf-8"'),
            ("Content-Transfer-Encoding", "base64"),
        ],
        _b64("我 12 月 1 日前不在办公室。I am out of the office until 1 December.\n", "utf-8"),
    )
    broken = _message(
        [
            ("To", desk),
            ("Subject", "=?utf-8?B?invalid"),
            ("Date", _date(5)),
            ("Message-ID", f"<broken-no-sender@{DOMAIN}>"),
            ("Content-Type", 'text/plain; charset="x-unknown"'),
        ],
        "A message a broken script sent without a From header.\n",
    )
    return [alice_first, alice_reply, stranger, out_of_office, broken]


CAROL_TEXT = """Hello,

Since the SCADA update on Monday the daily flow report exports an empty PDF. Our consultant
from Hydro Consult, copied, needs the report for the regulator by Friday.

Carol Sun
Eastbay Water Utility
"""


def verified_message() -> bytes:
    """carol's email as the demo mailbox's server received it: its Authentication-Results say
    DMARC pass for her domain, so the desk files it as hers."""
    return _message(
        [
            (
                "Authentication-Results",
                f"{AUTHSERV_ID}; dmarc=pass header.from=eastbay-water.example; "
                "dkim=pass header.d=eastbay-water.example",
            ),
            ("From", f"Carol Sun <{CAROL}>"),
            ("To", _desk()),
            ("Cc", "Alice Wu <alice@eastbay-water.example>, Li Gang <li.gang@hydro-consult.example>"),
            ("Subject", "SCADA daily flow report exports an empty PDF"),
            ("Date", _date(60)),
            ("Message-ID", CAROL_VERIFIED),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="utf-8"'),
        ],
        CAROL_TEXT,
    )


def _mailbox() -> Mailbox:
    """The inactive demo mailbox (never polled): made directly, as the service would check its
    made-up host against DNS."""
    mailbox, _new = Mailbox.objects.get_or_create(
        name=MAILBOX,
        defaults={
            "address": _desk(),
            "host": f"imap.{DOMAIN}",
            "username": "service",
            "authserv_id": AUTHSERV_ID,
            "is_active": False,
        },
    )
    return mailbox


def seed() -> int:
    """Make what is missing; returns how many objects were created (the rule, the emails)."""
    created = 0
    project = Project.objects.filter(code="ebw-scada", is_active=True).first()
    if project is not None and not RoutingRule.objects.filter(name=RULE).exists():
        services.routing_rule_save(
            name=RULE,
            position=10,
            field=RoutingRule.Field.SUBJECT,
            contains="SCADA",
            project=project,
            priority=Priority.HIGH,
        )
        created += 1
    for raw in messages():
        record, new = services.message_ingest(raw=raw)
        created += new
        if new and record.message_id == ALICE_FIRST and record.ticket_id and record.contact_id:
            # unverified mail never adds CC addresses: alice copies carol herself
            tickets.ticket_set_cc(ticket_id=record.ticket_id, actor=record.contact, cc=[CAROL])
    _record, new = services.message_ingest(raw=verified_message(), mailbox=_mailbox())
    created += new
    return created
