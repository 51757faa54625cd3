"""A reply without what it quotes: the text above the first quote header (Gmail's "On … wrote:",
Outlook's "-----Original Message-----" or its "From:/Sent:" block, Foxmail's "原始邮件", the
Chinese "…写道："), without a trailing block of "> " lines, and without the signature ("-- "
or a phone's "Sent from my iPhone" / "发自我的手机"). The original message is kept beside it.

Written here rather than taken from a library: the reply parsers on PyPI know English and a few
European languages, and the desk's customers mostly write from Chinese mail programs.
"""

import re

QUOTE_HEADERS = [
    re.compile(r"^On\b.{0,300}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^.{0,300}(写道|寫道)\s*[:：]\s*$", re.DOTALL),
    re.compile(
        r"^-{2,}\s*(Original Message|Forwarded message|原始邮件|原始郵件|转发的邮件)\s*-{2,}\s*$", re.IGNORECASE
    ),
    re.compile(r"^_{10,}\s*$"),
]
HEADER_BLOCK_FIRST = re.compile(r"^\*?(From|发件人|寄件者)\s*\*?\s*[:：]", re.IGNORECASE)
HEADER_BLOCK_NEXT = re.compile(
    r"^\*?(Sent|Date|To|Subject|发送时间|日期|收件人|主题|寄件日期)\s*\*?\s*[:：]", re.IGNORECASE
)
SIGNATURES = [
    re.compile(r"^--\s?$"),
    re.compile(r"^(Sent from|Get Outlook for)\b", re.IGNORECASE),
    re.compile(r"^(发自|來自|来自)(我的)?.{0,20}(iPhone|iPad|Android|手机|手機|邮箱|郵箱|客户端)"),
]


def _is_quote_header(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    # a header the mail program wrapped over two lines ("On …\nalice@… wrote:")
    joined = f"{line} {lines[index + 1].strip()}" if index + 1 < len(lines) else line
    for pattern in QUOTE_HEADERS:
        if pattern.match(line) or (len(line) < 200 and pattern.match(joined) and not pattern.match(lines[index + 1])):
            return True
    if HEADER_BLOCK_FIRST.match(line):
        following = [row.strip() for row in lines[index + 1 : index + 4] if row.strip()]
        return any(HEADER_BLOCK_NEXT.match(row) for row in following)
    return False


def trim_reply(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    end = len(lines)
    for index, line in enumerate(lines):
        if _is_quote_header(lines, index) or any(p.match(line.strip()) for p in SIGNATURES):
            end = index
            break
    kept = lines[:end]
    # a trailing block of quoted lines (bottom-quoting or a top reply with "> " history)
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()
