"""Every email's footer names the hotline its reader calls: a customer's organisation's own
numbers (the desk's when it has none), the desk's for staff and for addresses without an
account; texts are still rendered once per kind of reader, the numbers filled in after."""

from unittest import mock

import pytest

from customers import services as customer_services
from notifications.models import Delivery
from notifications.services import Message, mark, notify
from notifications.services import footer as footer_module
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def message(template="notifications/email/_footer.txt", **extra) -> Message:
    return Message(
        reason="ticket_status",
        subject="[%(reference)s] Status",
        template=template,
        context={"reference": "SD-1"},
        url="/tickets/1/",
        ticket_id=1,
        reference="SD-1",
        **extra,
    )


@pytest.fixture
def numbers(admin_user, org_b):
    customer_services.hotline_number_save(actor=admin_user, label="Desk", number="400-800-1234", hours="24 x 7")
    customer_services.hotline_number_save(
        actor=admin_user, organisation=org_b, label="Zephyr line", number="021-555", hours="9-17"
    )


def email_body(user) -> str:
    return Delivery.objects.get(channel="email", recipient=user).body


def test_the_marker_is_the_one_telling_makes():
    assert mark("hotline") == footer_module.HOTLINE


@pytest.mark.parametrize("share", ["", "status-change"], ids=["per-reader", "shared"])
def test_each_reader_gets_the_numbers_they_call(numbers, customer_a, customer_b, engineer, share):
    for user in (customer_a, customer_b, engineer):
        user.email = f"{user.username}@example.com"
        user.save()
    notify(
        users=[customer_a, customer_b, engineer], addresses=["cc@example.net"], key="k:1", message=message(share=share)
    )
    desk = "Service hotline: 400-800-1234 (Desk, 24 x 7)"
    assert desk in email_body(customer_a) and "021-555" not in email_body(customer_a)
    assert "Service hotline: 021-555 (Zephyr line, 9-17)" in email_body(customer_b)
    assert "400-800-1234" not in email_body(customer_b)
    assert desk in email_body(engineer)
    assert desk in Delivery.objects.get(address="cc@example.net").body
    assert "\ue000" not in "".join(Delivery.objects.values_list("body", flat=True))


def test_the_footer_is_translated_with_the_numbers_as_written(numbers, customer_b):
    reader = UserFactory(username="zh", language="zh-hans", organisation=customer_b.organisation, role="customer")
    notify(users=[reader], key="k:2", message=message())
    assert "021-555 (Zephyr line, 9-17)" in reader.notifications.get().body


def test_without_numbers_the_footer_keeps_its_old_line(customer_a):
    notify(users=[customer_a], key="k:3", message=message())
    assert "Service hotline: round the clock, every day." in customer_a.notifications.get().body


def test_the_numbers_are_looked_up_once_per_organisation_and_language(numbers, customer_a, engineer):
    source = mock.Mock(wraps=footer_module.HOTLINES.source)
    others = [UserFactory(role="customer", organisation=customer_a.organisation) for _ in range(3)]
    with mock.patch.object(footer_module.HOTLINES, "source", source):
        notify(users=[customer_a, engineer, *others], key="k:4", message=message(share="s"))
    assert sorted(call.args[0] or 0 for call in source.call_args_list) == [0, customer_a.organisation_id]


def test_the_other_emails_end_with_the_numbers_only_when_there_are_some(
    customer_a, admin_user, django_capture_on_commit_callbacks
):
    notify(users=[customer_a], key="k:5", message=message(template="notifications/email/_hotline.txt"))
    assert customer_a.notifications.get().body == ""  # as before the numbers existed
    with django_capture_on_commit_callbacks(execute=True):  # the numbers kept are dropped
        customer_services.hotline_number_save(actor=admin_user, label="Desk", number="400-800-1234", hours="24 x 7")
    notify(users=[customer_a], key="k:6", message=message(template="notifications/email/_hotline.txt"))
    body = customer_a.notifications.get(key__startswith="k:6").body
    assert body == "--\nService hotline: 400-800-1234 (Desk, 24 x 7)\n"
