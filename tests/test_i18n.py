"""English and Simplified Chinese are both complete: the catalogue has every marked string,
each translated, and the pages in zh-hans show no English that is not data."""

import re
import shutil
import subprocess
import sys
import zoneinfo
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Team, TeamMembership, User
from core.time import desk_today
from mail.models import InboundMessage
from mail.services import message_ingest
from reports.services import review_generate
from tests.accounts.factories import CustomerFactory, TeamFactory, UserFactory
from tests.customers.factories import InstalledProductFactory, OrganisationFactory, ProjectFactory
from tickets.calendars import calendar_save
from tickets.policies import policy_save
from tickets.services import ticket_create

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
UPSTREAM_GAPS = Path(settings.BASE_DIR) / "locale" / "upstream" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("path", [CATALOGUE, UPSTREAM_GAPS], ids=["ours", "upstream-gaps"])
def test_the_catalogue_is_complete_and_well_formed(path):
    po = polib.pofile(str(path))
    assert po.untranslated_entries() == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    # placeholders of every translation match their msgid (python-format)
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_catalogue_holds_every_marked_string(tmp_path):
    """makemessages on a copy of the sources finds no msgid that the catalogue lacks."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(
        root, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "*.mo", "__pycache__")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-location", "--ignore", "tests/*"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "VAR_DIR": str(tmp_path / "var")},
    )
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / CATALOGUE.relative_to(root)))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    assert extracted - committed == set(), "run `make messages` and translate the new strings"


class VisibleText(HTMLParser):
    """The text a person reads: element text plus the attributes shown or read aloud."""

    SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        attributes = dict(attrs)
        self.parts.extend(value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value)
        if tag == "input" and attributes.get("type") in {"submit", "button"} and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, allowed: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    words = set(re.findall(r"[A-Za-z][A-Za-z']+", " ".join(parser.parts)))
    return {word for word in words if word not in allowed}


# Not English prose: the name of the English language in its own tongue (the switcher), the
# IANA time zone names (identifiers, as every system shows them), and the data made below.
# Acronyms, units and file formats that Chinese interfaces write in Latin letters too: SLA, MB, CSV,
# ID (邮件 ID: an email's Message-ID), API (API 令牌), RMA (返修单（RMA）).
# Also the key caps of the keyboard shortcuts (Enter, Esc) and the incident reference's prefix
# in the bulk link's placeholder (INC-…).
ALWAYS_ALLOWED = {
    "English",
    "SLA",
    "MB",
    "KB",
    "GB",
    "CSV",
    "XLSX",
    "ZIP",
    "PDF",
    "ID",
    "API",
    "RMA",
    "Enter",
    "Esc",
    "INC",
} | set(re.findall(r"[A-Za-z][A-Za-z']+", " ".join(zoneinfo.available_timezones())))


@pytest.fixture
def chinese_data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the quality review's PDF
    organisation = OrganisationFactory(name="华东水务集团", code="hdsw", email="it@hdsw.example")
    project = ProjectFactory(organisation=organisation, name="调度监控平台", code="ddjk", description="监控服务器")
    InstalledProductFactory(project=project, name="监控服务器", version="4.2")
    customer = CustomerFactory(username="kehu", first_name="伟", last_name="张", organisation=organisation)
    project.customer_liaison = customer
    project.save()
    staff = {
        role: UserFactory(username=f"s{role}", first_name="工", last_name="王", role=role, is_superuser=role == "admin")
        for role in (User.Role.ENGINEER, User.Role.MANAGER, User.Role.ADMIN)
    }
    staff[User.Role.ADMIN].is_staff = True
    staff[User.Role.ADMIN].save()
    team = TeamFactory(name="应急领导小组", kind=Team.Kind.LEADERSHIP)
    TeamMembership.objects.create(
        team=team, user=staff[User.Role.MANAGER], position=TeamMembership.Position.PROJECT_LEAD
    )
    calendar = calendar_save(
        name="工作日历",
        timezone_name="Asia/Shanghai",
        hours=[{"weekday": d, "start_minute": 0, "end_minute": 1440} for d in range(7)],
    )
    policy_save(
        name="标准",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": m, "minutes": 240, "calendar": calendar}
            for m in ("first_response", "resolution")
        ],
    )
    ticket = ticket_create(actor=customer, project=project, title="网关反复重启", description="每三分钟重启一次")
    review = review_generate(
        organisation=organisation, period="month", day=desk_today(), actor=staff[User.Role.MANAGER], language="zh-hans"
    )
    # read by the intake as the poller reads it (in the desk's language, English here): the
    # reason must still reach a Chinese reader in Chinese
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "华东水务 <it@hdsw.example>", "it@hdsw.example", "泵站报警"
    message["Message-ID"] = "<1@hdsw.example>"
    message.set_content("泵站每十分钟报警一次。")
    message.add_attachment(b"alarm\n", maintype="text", subtype="plain", filename="报警.log")
    with translation.override("en"):
        email, _new = message_ingest(raw=bytes(message))
    assert email.status == InboundMessage.Status.TRIAGE and email.reason == "The sender is not a known contact."
    words = ["hdsw ddjk it hdsw example SD log", customer.email, review.reference]
    allowed = ALWAYS_ALLOWED | set(re.findall(r"[A-Za-z]+", " ".join(words)))
    for user in staff.values():
        allowed |= set(re.findall(r"[A-Za-z]+", user.email))
    return {
        "organisation": organisation,
        "project": project,
        "customer": customer,
        "staff": staff,
        "allowed": allowed,
        "ticket": ticket,
        "email": email,
    }


def _pages(data):
    organisation, project = data["organisation"], data["project"]
    customer_pages = [
        reverse("home"),
        reverse("customers:organisation_detail", args=[organisation.pk]),
        reverse("customers:project_list"),
        reverse("customers:project_detail", args=[project.pk]),
        reverse("accounts:preferences"),
        reverse("accounts:password_change"),
        reverse("tickets:list"),
        reverse("tickets:create"),
        reverse("tickets:detail", args=[data["ticket"].pk]),
        reverse("reports:dashboard"),
        reverse("reports:archive-organisation", args=[organisation.pk]),
        reverse("reports:archive-project", args=[project.pk]),
        "/no-such-page/",
    ]
    staff_pages = [
        *customer_pages,
        reverse("customers:organisation_list"),
        reverse("reports:reviews"),
        reverse("mail:list"),
        reverse("mail:list") + "?status=all",
        reverse("mail:detail", args=[data["email"].pk]),
    ]
    return [
        (None, reverse("accounts:login")),
        (None, reverse("accounts:password_reset")),
        (None, reverse("accounts:password_reset_done")),
        *[(data["customer"], url) for url in customer_pages],
        *[(user, url) for user in data["staff"].values() for url in staff_pages],
        (data["staff"][User.Role.ADMIN], reverse("admin:index")),
    ]


def test_pages_in_chinese_show_no_untranslated_english(client, chinese_data):
    leftovers = {}
    for user, url in _pages(chinese_data):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert 'lang="zh-hans"' in response.text.lower(), url  # zh-Hans (BCP 47); the admin's zh-hans
        words = english_words(response.text, chinese_data["allowed"])
        if words:
            leftovers[f"{user or 'anonymous'} {url}"] = sorted(words)
    assert leftovers == {}


def test_the_language_switcher_switches(client, customer_a):
    client.force_login(customer_a)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert "您的交付项目" in page.text
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert "Your delivered projects" in client.get(reverse("home")).text
