"""Trimming a reply to its new text: each mail program's quote header, trailing quotes, signatures."""

import pytest

from mail.parsing import parse
from mail.trim import trim_reply
from tests.mail.conftest import corpus


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        (
            "gmail-reply.eml",  # "On …,\nwrote:" wrapped over two lines
            "Thanks, the disk is cleaned up and the server starts again.\nPlease keep the ticket open until tomorrow.",
        ),
        ("gmail-chinese-reply.eml", "好的，我们下午三点重启服务器。"),
        ("outlook-reply.eml", "The restart worked. Thank you for the quick help.\n\nBest regards\nAlice"),
        ("outlook-chinese-reply.eml", "已按照您的建议处理，服务恢复正常。"),
        ("outlook-chinese-block.eml", "巡检报告已收到，没有问题。"),
        ("foxmail-reply.eml", "收到，明天上午派人到现场。"),
        ("signature-dash.eml", "The backup ran fine last night."),
        ("iphone-reply.eml", "好的，已经重启，问题解决了。"),
    ],
)
def test_each_reply_style_keeps_only_the_new_text(name, kept):
    parsed = parse(corpus(name))
    assert trim_reply(parsed.text) == kept
    assert len(parsed.text) > len(kept)  # there was something to cut


def test_a_message_that_is_all_quote_keeps_its_text():
    text = parse(corpus("all-quote.eml")).text
    assert text.startswith("-----Original Message-----")
    assert trim_reply(text) == text


def test_only_quotes_keep_their_text():
    assert trim_reply("> only a quote\n> nothing else\n") == "> only a quote\n> nothing else"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Fixed.\n\nOn Mon, 30 Nov 2026 at 10:00 Service Desk <support@desk.example> wrote:\n> old", "Fixed."),
        ("Fixed.\n\n> old text\n> more old text\n\n", "Fixed."),  # bottom quotes, no header
        ("Fixed.\n\nSent from my iPhone", "Fixed."),
        ("Fixed.\n\nGet Outlook for Android", "Fixed."),
        ("好的。\n\n发自我的华为手机", "好的。"),
        ("好的。\n\n-----原始邮件-----\n发件人: x", "好的。"),
        ("好的。\n\n---------- Forwarded message ---------\nFrom: x", "好的。"),
        ("Fixed.\r\n\r\nOn Monday, Bob wrote:\r\n> old\r\n", "Fixed."),
        ("好的\n\n在 2026年11月30日 10:00，服务台 写道：\n> 旧", "好的"),
        ("Fixed.\n\n*From:* Service Desk\n*Sent:* Monday\n*To:* Alice", "Fixed."),
    ],
)
def test_quote_headers_and_signatures_are_cut(text, kept):
    assert trim_reply(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "No quote at all.\nTwo lines.",
        # an answer written between quoted lines keeps everything above the last answer
        "> Is the disk full?\nYes, 98 percent.\n> Which server?\ndb-02.",
        # "From:" in the customer's own words, with no header block after it, is text
        "From: the logs we see a timeout.\nThe service restarts every hour.",
        # "On … wrote:" in a sentence that does not end the line is text
        "On Monday the engineer wrote: restart it. We did, it works.",
        "The fix -- a restart -- worked.",
    ],
)
def test_what_is_not_a_quote_is_kept(text):
    assert trim_reply(text) == text
