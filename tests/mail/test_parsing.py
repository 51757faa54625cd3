"""Reading the corpus: Chinese charsets (as their supersets), text over HTML, attachments with
encoded names, inline images, the threading headers, robots, and what cannot be read."""

import datetime
import email
import email.policy

import pytest

from mail.parsing import BrokenMessage, auto_reason, decode_bytes, decode_header, parse, synthetic_id
from tests.mail.conftest import CORPUS, corpus, with_headers

ROBOTS = {
    "auto-reply-oof.eml": "Auto-Submitted: auto-replied",
    "exchange-oof.eml": "Exchange automatic reply",
    "bulk-newsletter.eml": "Precedence: bulk",
    "bounce-dsn.eml": "report: delivery-status",
}
BROKEN = ["malformed-no-from.eml", "garbage.eml"]


@pytest.mark.parametrize(
    ("name", "subject", "text", "sender_name"),
    [
        ("plain-utf8.eml", "数据库服务器无法启动", "日志显示磁盘空间不足。\n请尽快处理。", "王爱丽"),
        # labelled GB2312, holding GBK-only characters: read as GB18030, nothing lost
        ("gb2312-gbk-chars.eml", "监控平台告警：朱镕反映", "朱镕先生反映，王堃负责的监控平台", "王堃"),
        ("gbk-qp.eml", "备份任务失败", "昨晚的备份任务失败了，错误代码 E1024。\n请帮忙看看。", ""),
        ("gb18030-4byte.eml", "𠮷野家门店收银系统", "𠮷野家门店的收银系统无法打印小票。", ""),
        ("big5-base64.eml", "伺服器無法連線", "台北機房的伺服器從今天早上開始無法連線", "陳小明"),
        # 8-bit UTF-8 in Subject and From, declared nowhere
        ("raw-utf8-subject.eml", "打印机无法连接", "三楼的打印机无法连接。", "王爱丽"),
        ("foxmail-reply.eml", "回复：[SD-2026-000001] 数据库服务器无法启动", "收到，明天上午派人到现场。", "王爱丽"),
        ("outlook-chinese-reply.eml", "答复: [SD-2026-000001] 新回复：数据库服务器无法启动", "服务恢复正常", "王爱丽"),
        ("outlook-chinese-block.eml", "答复: 巡检报告", "巡检报告已收到", ""),
        ("gmail-chinese-reply.eml", "回复：[SD-2026-000001] 数据库服务器无法启动", "下午三点重启服务器", "王爱丽"),
    ],
)
def test_chinese_charsets_decode_to_their_text(name, subject, text, sender_name):
    parsed = parse(corpus(name))
    assert parsed.subject == subject
    assert text in parsed.text
    assert parsed.sender_name == sender_name
    assert "\ufffd" not in parsed.text + parsed.subject + parsed.sender_name
    assert "\r" not in parsed.text  # line breaks are stored as \n whatever the transfer encoding


def test_every_corpus_file_is_listed_in_the_readme():
    readme = (CORPUS / "README.md").read_text()
    names = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(names) >= 25
    assert [n for n in names if f"`{n}`" not in readme] == []


def test_charsets_are_read_as_their_supersets_and_undeclared_bytes_are_guessed():
    assert decode_bytes("朱镕基".encode("gbk"), "gb2312") == "朱镕基"
    assert decode_bytes("𠮷".encode("gb18030"), "GBK") == "𠮷"
    assert decode_bytes("伺服器".encode("big5"), '"Big5"') == "伺服器"
    assert decode_bytes("无声明".encode("gb18030")) == "无声明"  # not UTF-8: the next candidate
    assert decode_bytes("無聲明".encode(), "us-ascii") == "無聲明"  # 8-bit under an ASCII label
    assert decode_bytes("字符集未知的邮件正文".encode("gbk"), "x-unknown") == "字符集未知的邮件正文"
    assert decode_bytes(b"\x81\x30\xff\xff ok").endswith(" ok")  # unreadable bytes: replaced, no error
    assert decode_header("=?gb2312?B?" + "MTIz" + "?= =?utf-8?Q?=E4=B8=AD?=") == "123中"


def test_text_is_preferred_over_html():
    parsed = parse(corpus("alternative.eml"))
    assert parsed.text == "纯文本版本：二号楼网络中断。"
    assert "HTML" not in parsed.text and parsed.attachments == []


def test_an_html_only_message_becomes_text_without_markup_or_script():
    parsed = parse(corpus("html-only.eml"))
    assert "门禁系统无法识别员工卡。" in parsed.text
    assert "- 一号门\n" in parsed.text and "状态页 (https://status.customer-a.example/door)" in parsed.text
    assert parsed.text.endswith("谢谢&祝好")
    for leftover in ("<", "alert", "cookie", "color", "display", "标题不应出现", "steal", "onload", "pixel.gif"):
        assert leftover not in parsed.text


def test_an_inline_image_of_a_related_part_is_found():
    parsed = parse(corpus("related-inline.eml"))
    assert parsed.text.startswith("登录页面报错，截图如下。")
    [image] = parsed.attachments
    assert (image.content_type, image.inline, image.content_id) == (
        "image/png",
        True,
        "ii_lp3k9x0a0@customer-a.example",
    )
    assert image.name.endswith(".png") and image.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_attachments_with_rfc2231_and_rfc2047_chinese_names():
    parsed = parse(corpus("attachments-chinese-names.eml"))
    assert parsed.text == "故障报告、截图和日志见附件。安装程序也一并附上。"
    names = [a.name for a in parsed.attachments]
    assert names == ["故障报告.pdf", "截图.png", "系统日志.log", "安装程序.exe"]
    pdf, png, log, exe = parsed.attachments
    assert pdf.data.startswith(b"%PDF-") and png.data.startswith(b"\x89PNG") and exe.data.startswith(b"MZ")
    assert "磁盘空间不足" in log.data.decode("gbk")  # a file's bytes are kept as they were
    assert not any(a.inline for a in parsed.attachments)


def test_a_forwarded_email_is_an_attachment_not_more_text():
    parsed = parse(corpus("forward-attached.eml"))
    assert parsed.text == "请看附件中的告警邮件。"
    [forwarded] = parsed.attachments
    assert (forwarded.name, forwarded.content_type) == ("UPS alarm.eml", "message/rfc822")
    inner = parse(forwarded.data)
    assert (inner.subject, inner.text) == ("UPS alarm", "UPS 2 电池电量 20%。")


def test_addresses_dates_and_threading_headers():
    parsed = parse(corpus("plain-utf8.eml"))
    assert parsed.message_id == "<20261130091201.1a2b3c@mail.customer-a.example>"
    assert (parsed.sender, parsed.to) == ("alice@customer-a.example", ["support@desk.example"])
    assert parsed.cc == ["carol@customer-a.example", "support@desk.example", "dave@partner.example"]
    assert parsed.sent_at == datetime.datetime(2026, 11, 30, 1, 12, 1, tzinfo=datetime.UTC)
    assert (parsed.in_reply_to, parsed.references, parsed.thread_ids) == ([], [], [])

    reply = parse(corpus("gmail-reply.eml"))
    assert reply.message_id == "<CAHk7x=Q1nR9gmail0reply@mail.gmail.com>"
    assert reply.in_reply_to == ["<sd.0f1e2d3c4b5a69788796a5b4c3d2e1f0@desk.example>"]
    assert reply.references == ["<sd.0f1e2d3c4b5a69788796a5b4c3d2e1f0@desk.example>"]


def test_thread_ids_are_the_nearest_first_each_once():
    raw = with_headers(
        corpus("gmail-reply.eml"),
        In_Reply_To="<c@desk.example>",
        References="<a@desk.example>\r\n <b@desk.example> <c@desk.example>",
    )
    parsed = parse(raw)
    assert parsed.references == ["<a@desk.example>", "<b@desk.example>", "<c@desk.example>"]
    assert parsed.thread_ids == ["<c@desk.example>", "<b@desk.example>", "<a@desk.example>"]


def test_a_message_without_message_id_gets_a_stable_synthetic_one():
    raw = corpus("no-message-id.eml")
    first, second = parse(raw), parse(raw)
    assert first.message_id == second.message_id == synthetic_id(raw)
    assert first.message_id.endswith("@no-message-id.invalid>")
    assert parse(raw + b"\r\nP.S.").message_id != first.message_id
    assert first.subject == "没有Message-ID的邮件"


@pytest.mark.parametrize("name", BROKEN)
def test_unreadable_messages_raise_broken_message(name):
    with pytest.raises(BrokenMessage) as raised:
        parse(corpus(name))
    assert str(raised.value)  # a reason for the admins


def test_empty_bytes_are_broken():
    with pytest.raises(BrokenMessage):
        parse(b"  \r\n")


@pytest.mark.parametrize(("name", "reason"), ROBOTS.items())
def test_robots_are_recognised(name, reason):
    assert parse(corpus(name)).auto == reason


def test_people_are_not_robots():
    people = [p.name for p in CORPUS.glob("*.eml") if p.name not in ROBOTS and p.name not in BROKEN]
    assert len(people) >= 20
    assert {name: parse(corpus(name)).auto for name in people if parse(corpus(name)).auto} == {}


def _headers(text: str, sender: str = "someone@customer-a.example") -> str:
    message = email.message_from_string(text + "\n\nbody\n", policy=email.policy.compat32)
    return auto_reason(message, sender)


@pytest.mark.parametrize(
    ("headers", "sender", "robot"),
    [
        ("Auto-Submitted: no", "a@b.example", False),
        ("Auto-Submitted: auto-generated", "a@b.example", True),
        ("Precedence: list", "a@b.example", True),
        ("Precedence: junk", "a@b.example", True),
        ("Precedence: auto_reply", "a@b.example", True),
        ("Precedence: first-class", "a@b.example", False),
        ("X-Autoreply: yes", "a@b.example", True),
        ("X-Autorespond: on", "a@b.example", True),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", "a@b.example", True),
        ("X-Auto-Response-Suppress: All", "a@b.example", False),  # alone, it only asks others to stay quiet
        ("X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent", "a@b.example", True),
        ("Content-Type: multipart/report; report-type=disposition-notification", "a@b.example", True),
        ("Subject: hello", "postmaster@b.example", True),
        ("Subject: hello", "mailer-daemon@b.example", True),
        ("Return-Path: <>", "a@b.example", True),
        ("Return-Path: <a@b.example>", "a@b.example", False),
        ("List-Id: <users.lists.example>", "a@b.example", True),
        ("Subject: Out of office", "a@b.example", False),  # a subject alone says nothing
    ],
)
def test_auto_reason_headers(headers, sender, robot):
    assert bool(_headers(headers, sender)) is robot
