"""HTML bodies become plain text: no tag, attribute, script or style survives."""

import pytest

from mail.html import html_to_text


def test_script_style_head_and_comments_are_dropped():
    html = (
        "<html><head><title>T</title><style>p{color:red}</style><meta charset=utf-8></head>"
        "<body><script>alert(1)</script><p>Hello</p><!-- a comment -->"
        "<noscript>enable JS</noscript><iframe src='https://evil.example'>frame</iframe>"
        "<svg><text>svg text</text></svg><template><p>hidden</p></template><p>World</p></body></html>"
    )
    assert html_to_text(html) == "Hello\n\nWorld"


def test_an_unclosed_script_drops_everything_after_it():
    assert html_to_text("<p>Before</p><script>alert(1)<p>after</p>") == "Before"


def test_nested_dropped_elements_are_dropped_whole():
    assert html_to_text("<div>a<object><script>x</script>inner</object>b</div>") == "ab"


def test_attributes_and_event_handlers_never_appear():
    text = html_to_text('<p onclick="steal()" style="color:red" class="x" data-y="1">Click</p>')
    assert text == "Click"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ('<a href="https://example.com/a">the page</a>', "the page (https://example.com/a)"),
        ('<a href="mailto:alice@customer-a.example">Alice</a>', "Alice (alice@customer-a.example)"),
        ('<a href="javascript:steal()">click</a>', "click"),  # only web and mail links are shown
        ("<ul><li>one</li><li>two</li></ul>", "- one\n\n- two"),
        ('<img src="cid:x" alt="diagram">', "[diagram]"),
        ('<img src="https://tracker.example/p.gif">', ""),
        ("a<br>b", "a\nb"),
        ("<p>x &amp; y &lt;b&gt; &#x4e2d;&nbsp;文</p>", "x & y <b> 中 文"),  # entities are text, not markup
        ("<p>  many    spaces\n\n here </p>", "many spaces here"),
        ("<table><tr><td>磁盘</td><td>98%</td></tr></table>", "磁盘\t98%"),
        ("<blockquote>old words</blockquote>new", "> old words\nnew"),
        ("<blockquote><p>a</p><p>b</p></blockquote>new", "> a\n\n> b\n\nnew"),
        ("<p>1</p><p></p><p></p><p></p><p>2</p>", "1\n\n2"),  # at most one blank line
    ],
)
def test_blocks_lists_links_and_entities(html, text):
    assert html_to_text(html) == text


def test_broken_html_does_not_raise():
    assert html_to_text("<p>open <b>bold <i>italic</p></div></span>text") == "open bold italic\n\ntext"
    assert html_to_text("<<<>>>&&&;") is not None
