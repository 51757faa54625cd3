"""Reading ``Authentication-Results`` (RFC 8601) and the verdict on a sender: only the headers
of the configured authserv-id count; DMARC pass, or DKIM/SPF pass aligned with the From domain."""

import pytest

from mail.authentication import aligned, parse_authentication_results, sender_verdict
from mail.parsing import parse
from tests.mail.conftest import AUTHSERV, authenticated, reply

ALICE_DOMAIN = "customer-a.example"


def test_a_header_with_comments_versions_quotes_and_several_results():
    parsed = parse_authentication_results(
        'mx.desk.example 1 (the desk; really) ; (a comment; with "quotes") dkim = pass (good (nested) sig) '
        "header.d=customer-a.example header.i=@customer-a.example header.b=abc123;\r\n"
        ' spf=fail reason="not; permitted" smtp.mailfrom="bounce@other.example"; dmarc=pass (p=none) '
        "header.from=Customer-A.example; arc=none"
    )
    assert parsed.authserv_id == "mx.desk.example"
    methods = [(r.method, r.result) for r in parsed.results]
    assert methods == [("dkim", "pass"), ("spf", "fail"), ("dmarc", "pass"), ("arc", "none")]
    dkim, spf, dmarc, _arc = parsed.results
    assert dkim.properties == {
        "header.d": "customer-a.example",
        "header.i": "@customer-a.example",
        "header.b": "abc123",
    }
    assert (spf.reason, spf.properties) == ("not; permitted", {"smtp.mailfrom": "bounce@other.example"})
    assert dmarc.properties == {"header.from": "Customer-A.example"}


def test_no_result_and_garbage():
    assert parse_authentication_results("mx.desk.example; none").results == []
    assert parse_authentication_results('"mx.desk.example"; spf=pass smtp.mailfrom=a.example').authserv_id == (
        "mx.desk.example"
    )
    assert parse_authentication_results("   ") is None
    assert parse_authentication_results("(only a comment)") is None


@pytest.mark.parametrize(
    ("domain", "from_domain", "expected"),
    [
        ("customer-a.example", "customer-a.example", True),
        ("mail.customer-a.example", "customer-a.example", True),
        ("customer-a.example", "eu.customer-a.example", True),
        ("@Customer-A.example", "customer-a.example", True),
        ("bounce@customer-a.example", "customer-a.example", True),
        ("attacker.example", "customer-a.example", False),
        ("evilcustomer-a.example", "customer-a.example", False),
        ("eu.customer-a.example", "us.customer-a.example", False),  # siblings: stricter than DMARC
        ("example", "customer-a.example", False),  # never a bare top-level name
        ("", "customer-a.example", False),
    ],
)
def test_relaxed_alignment(domain, from_domain, expected):
    assert aligned(domain, from_domain) is expected


def verdict(*headers: str, sender: str = f"alice@{ALICE_DOMAIN}", authserv_id: str = AUTHSERV):
    return sender_verdict(list(headers), [sender], authserv_id)


@pytest.mark.parametrize(
    "results",
    [
        "dmarc=pass header.from=customer-a.example",
        "dmarc=pass",
        "dkim=pass header.d=customer-a.example",
        "dkim=pass header.d=mail.customer-a.example",
        "dkim=pass header.i=support@customer-a.example",
        "spf=pass smtp.mailfrom=bounces@customer-a.example",
        "spf=pass smtp.mailfrom=customer-a.example",
        "dkim=fail header.d=customer-a.example; spf=pass smtp.mailfrom=customer-a.example",
    ],
)
def test_a_pass_of_the_desks_server_for_the_from_domain_verifies(results):
    assert verdict(f"{AUTHSERV}; {results}").verified


@pytest.mark.parametrize(
    "results",
    [
        "dkim=pass header.d=attacker.example",  # a valid signature, of another domain
        "spf=pass smtp.mailfrom=attacker.example",
        "dmarc=pass header.from=attacker.example",  # DMARC said pass for another From
        "dmarc=fail header.from=customer-a.example",
        "dkim=fail (dmarc=pass) header.d=customer-a.example",  # a pass in a comment is a comment
        "spf=softfail smtp.mailfrom=customer-a.example",
        "none",
    ],
)
def test_anything_else_does_not(results):
    result = verdict(f"{AUTHSERV}; {results}")
    assert not result.verified
    assert result.params["authserv_id"] == AUTHSERV


def test_headers_of_another_authserv_id_are_ignored():
    # the sender's own (forged) header, whatever it claims, above or below the server's
    forged = "mx.google.com; dmarc=pass header.from=customer-a.example; dkim=pass header.d=customer-a.example"
    assert not verdict(forged).verified
    assert not verdict(forged, f"{AUTHSERV}; dmarc=fail header.from=customer-a.example").verified
    assert not verdict(f"{AUTHSERV}; dmarc=fail", forged).verified
    # a name in a comment is not the authserv-id; a longer or shorter name is another server
    assert not verdict(f"({AUTHSERV}) evil.example; dmarc=pass").verified
    assert not verdict(f"{AUTHSERV}.evil.example; dmarc=pass").verified
    assert not verdict("desk.example; dmarc=pass").verified
    # the authserv-id is compared without regard to case
    assert verdict(f"{AUTHSERV.upper()}; dmarc=pass").verified
    # no header of the server at all
    assert "No Authentication-Results" in verdict().template


def test_a_message_with_two_from_addresses_is_never_verified():
    result = sender_verdict([f"{AUTHSERV}; dmarc=pass"], ["alice@customer-a.example", "bob@x.example"], AUTHSERV)
    assert not result.verified


def test_the_parser_hands_over_the_from_addresses_and_the_headers_top_first():
    raw = authenticated(
        authenticated(reply(to=None), "dmarc=fail", server="mx.other.example"), "dkim=pass header.d=customer-a.example"
    )
    parsed = parse(raw)
    assert parsed.from_addresses == ["alice@customer-a.example"]
    assert [value.split(";")[0] for value in parsed.authentication_results] == [AUTHSERV, "mx.other.example"]
    assert sender_verdict(parsed.authentication_results, parsed.from_addresses, AUTHSERV).verified
