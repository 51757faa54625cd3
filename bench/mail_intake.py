"""The email intake on PostgreSQL: what filing one email costs, and the thread look-up among
many sent emails.

Builds its own database (``servicedesk_bench_mail``: the demo data, then ``--deliveries`` sent
emails (rows of ``notifications_delivery`` with a Message-ID, spread over the demo tickets)
written by one INSERT … SELECT generate_series). Then, in this process, with the variants taking
turns, it times:

- ``mail.parsing.parse`` alone: reading the MIME message (the floor of any intake);
- ``mail.services.message_ingest`` of a contact's new email (store the raw message, route,
  ``ticket_create`` with its clocks, attachments and the acknowledgement) against
  ``tickets.services.ticket_create`` called directly with the same text and the same two files
  (the log and the original message): what the intake adds to the portal's path;
- ``message_ingest`` of a reply naming one of the sent emails in ``In-Reply-To`` against
  ``tickets.services.comment_add`` called directly with the same text and the original message;
- ``mail.services.thread_ticket`` against the bare SQL of its look-ups on a cursor,

and prints the medians, the ratios, and the plan of the Message-ID look-up.

    make bench-mail
    python bench/mail_intake.py --deliveries 100000 --runs 50    # smaller
"""

import argparse
import os
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Bench

DB = "servicedesk_bench_mail"


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def new_email(n: int, sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Alice <{sender}>"
    message["To"] = "support@desk.example"
    message["Cc"] = "ops@eastbay-water.example"
    message["Subject"] = f"泵站 {n} 号 SCADA 无数据"
    message["Message-ID"] = f"<bench-new-{n}-{time.time_ns()}@eastbay-water.example>"
    message.set_content("从今早 8 点开始，泵站在 SCADA 上没有数据。\n\n-- \nAlice", charset="gb2312")
    message.add_alternative("<p>从今早 8 点开始，泵站在 SCADA 上没有数据。</p>", subtype="html", charset="gb2312")
    message.add_attachment(b"2026-11-30 08:00 link down\n" * 200, maintype="text", subtype="plain", filename="日志.log")
    return bytes(message)


def reply_email(n: int, sender: str, answers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@desk.example"
    message["Subject"] = "Re: 泵站 SCADA 无数据"
    message["Message-ID"] = f"<bench-reply-{n}-{time.time_ns()}@eastbay-water.example>"
    message["In-Reply-To"] = answers
    message["References"] = answers
    message.set_content(
        "重启以后恢复了，谢谢。\n\n在 2026年11月30日 10:00，服务台 写道：\n> 请重启采集服务。\n", charset="utf-8"
    )
    return bytes(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    bench = Bench(DB, 8097)
    env = bench.env | {"CELERY_BROKER_URL": "memory://", "EMAIL_URL": "dummymail://"}
    bench.env = env
    print(f"preparing {DB} (migrate, seed_demo) …", flush=True)
    if bench.psql(f"SELECT 1 FROM pg_database WHERE datname='{DB}'") != "1":
        bench.psql(f"CREATE DATABASE {DB}")
    bench.sh(sys.executable, "manage.py", "migrate", "--noinput")
    bench.sh(sys.executable, "manage.py", "seed_demo")
    have = int(bench.psql("SELECT count(*) FROM notifications_delivery WHERE key LIKE 'bench:%'", DB))
    if have < args.deliveries:
        print(f"writing {args.deliveries - have:,} sent emails …", flush=True)
        bench.psql(
            f"""INSERT INTO notifications_delivery (key, channel, address, payload, subject, body, headers,
                attachments, status, attempts, last_error, created_at, next_attempt_at, sent_at, message_id, ticket_id)
            SELECT 'bench:' || g, 'email', 'someone@example.com', '{{}}', 'subject', 'body', '{{}}', '[]', 'sent', 1,
                   '', now(), now(), now(), '<sd.bench' || g || '@desk.example>',
                   (SELECT min(id) FROM tickets_ticket) + g % (SELECT count(*) FROM tickets_ticket)
            FROM generate_series({have + 1}, {args.deliveries}) AS g""",
            DB,
        )
        bench.psql("ANALYZE notifications_delivery", DB)

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from accounts.models import User
    from mail.parsing import parse
    from mail.services import message_ingest, thread_ticket
    from notifications.models import Delivery
    from tickets import services as tickets

    alice = User.objects.get(username="alice")
    engineer = User.objects.get(username="engineer")
    project = alice.organisation.projects.filter(is_active=True).first()
    target = (
        Delivery.objects.filter(key__startswith="bench:")
        .order_by("-pk")
        .values_list("message_id", flat=True)[args.deliveries // 2]
    )

    results: dict[str, list[float]] = {k: [] for k in ("parse", "ingest new", "ticket_create", "ingest reply")}
    results |= {"comment_add": [], "thread_ticket": [], "bare SQL": []}
    base = tickets.ticket_create(actor=alice, project=project, title="bench", description="bench")
    # a reply threads onto ``base`` through a sent email of its own
    tickets.comment_add(ticket_id=base.pk, actor=engineer, body="请重启采集服务。")
    answered = Delivery.objects.filter(ticket_id=base.pk).exclude(message_id="").latest("pk").message_id
    parsed_reply = parse(reply_email(0, alice.email, target))
    bare = """SELECT message_id, ticket_id FROM notifications_delivery WHERE message_id = ANY(%(ids)s)
                AND ticket_id IS NOT NULL
              UNION ALL SELECT message_id, ticket_id FROM mail_inboundmessage WHERE message_id = ANY(%(ids)s)
                AND ticket_id IS NOT NULL
              UNION ALL SELECT email_thread, id FROM tickets_ticket WHERE email_thread = ANY(%(ids)s)"""
    for n in range(args.runs):
        raw_new = new_email(n, alice.email)
        results["parse"].append(timed(lambda raw=raw_new: parse(raw)))
        results["ingest new"].append(timed(lambda raw=raw_new: message_ingest(raw=raw)))
        log = parse(raw_new).attachments[0].data
        results["ticket_create"].append(
            timed(
                lambda n=n, raw=raw_new, log=log: tickets.ticket_create(
                    actor=alice,
                    project=project,
                    title=f"泵站 {n} 号 SCADA 无数据",
                    description="从今早 8 点开始，泵站在 SCADA 上没有数据。",
                    attachments=[SimpleUploadedFile("日志.log", log), SimpleUploadedFile("original-message.eml", raw)],
                )
            )
        )
        raw_reply = reply_email(n, alice.email, answered)
        results["ingest reply"].append(timed(lambda raw=raw_reply: message_ingest(raw=raw)))
        results["comment_add"].append(
            timed(
                lambda raw=raw_reply: tickets.comment_add(
                    ticket_id=base.pk,
                    actor=alice,
                    body="重启以后恢复了，谢谢。",
                    attachments=[SimpleUploadedFile("original-message.eml", raw)],
                )
            )
        )
        results["thread_ticket"].append(timed(lambda: thread_ticket(parsed_reply)))

        def bare_sql() -> None:
            with connection.cursor() as cursor:
                cursor.execute(bare, {"ids": parsed_reply.thread_ids})
                found = dict(cursor.fetchall())
                cursor.execute("SELECT * FROM tickets_ticket WHERE id = %s", [found[parsed_reply.thread_ids[0]]])
                cursor.fetchall()

        results["bare SQL"].append(timed(bare_sql))

    median = {k: statistics.median(v) for k, v in results.items()}
    print(f"\n{args.deliveries:,} sent emails, {args.runs} runs each; medians in ms")
    for name, value in median.items():
        print(f"  {name:<14} {value:8.2f}")
    print(f"  ingest new / ticket_create   {median['ingest new'] / median['ticket_create']:.2f}x")
    print(f"  ingest reply / comment_add   {median['ingest reply'] / median['comment_add']:.2f}x")
    print(f"  thread_ticket / bare SQL     {median['thread_ticket'] / median['bare SQL']:.2f}x")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN ANALYZE SELECT ticket_id FROM notifications_delivery WHERE message_id = ANY(%s)", [[target]]
        )
        print("\nplan of the Message-ID look-up:")
        for (line,) in cursor.fetchall():
            print("  " + line)


if __name__ == "__main__":
    main()
