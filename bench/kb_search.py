"""The knowledge-base search at scale: 50,000 bilingual articles on PostgreSQL.

Builds its own database (``servicedesk_bench_kb``: the demo data plus the articles, half
English, half Chinese, each about one device and one symptom drawn from a vocabulary of fault
terms with a Zipf-like frequency), indexes them as ``training.search.article_index`` does (the
cut text computed with ``training.search.terms`` and inserted in bulk, the ``tsvector`` written
by one UPDATE from it), and checks on a sample that ``article_index`` itself writes the very
same document and ``tsvector``. Then, for the customer alice and five queries (English words,
an English prefix, a two-character Chinese word, a four-character Chinese phrase, a mixed
query), it times with the variants taking turns:

- ``training.selectors.article_search``, the first page of 20 evaluated (what the knowledge
  base page and ``GET /api/v1/articles/?q=`` run);
- a hand-written SELECT of the same search on a cursor (``@@``, ``ts_rank``, the visibility
  condition, LIMIT 20), checked to return the same articles in the same order;
- to see where the difference goes: the ORM's own SQL replayed on a cursor; a proposed variant
  of the selector (category and author prefetched after the page instead of joined to every
  match, the search columns deferred); each search also with PostgreSQL's JIT compilation off,

and prints the medians, the ratio ORM / hand-written SQL, and the plans (the GIN index
``article_search``). Then the same queries on the SQLite fallback with fewer articles (a file
of its own under var/bench), with a check of its ranking.

    make bench-kb
    python bench/kb_search.py --articles 10000 --sqlite-articles 2000 --runs 30    # smaller
"""

import argparse
import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT, Bench, percentile

PAGE = 20
SEED = 7
AUTHOR = "kb-bench"  # the author of the generated articles
SQLITE_FILE = ROOT / "var" / "bench" / "kb_search.sqlite3"
QUERIES = [
    ("English words", "printer paper jam"),
    ("English prefix", "firew"),
    ("Chinese word, 2 characters", "硬盘"),
    ("Chinese phrase, 4 characters", "网络中断"),
    ("mixed", "服务器 power supply"),
]

# --- the articles ---------------------------------------------------------------------------

# (Chinese, English), most frequent first: picked with weight 1 / rank
DEVICES = [
    ("服务器", "server"),
    ("网络", "network"),
    ("打印机", "printer"),
    ("硬盘", "hard disk"),
    ("数据库", "database"),
    ("交换机", "switch"),
    ("电源", "power supply"),
    ("路由器", "router"),
    ("防火墙", "firewall"),
    ("存储阵列", "storage array"),
    ("虚拟机", "virtual machine"),
    ("邮件系统", "mail system"),
    ("操作系统", "operating system"),
    ("不间断电源", "UPS"),
    ("显示器", "monitor"),
    ("笔记本电脑", "laptop"),
    ("扫描仪", "scanner"),
    ("摄像头", "camera"),
    ("无线接入点", "wireless access point"),
    ("光纤链路", "fibre link"),
    ("磁带库", "tape library"),
    ("控制器", "controller"),
    ("传感器", "sensor"),
    ("工作站", "workstation"),
]
SYMPTOMS = [
    ("故障", "failure"),
    ("中断", "outage"),
    ("无法启动", "does not start"),
    ("连接失败", "connection failure"),
    ("卡纸", "paper jam"),
    ("过热", "overheating"),
    ("报警", "alarm"),
    ("丢包", "packet loss"),
    ("延迟过高", "high latency"),
    ("死机", "freeze"),
    ("反复重启", "reboot loop"),
    ("数据损坏", "data corruption"),
    ("空间已满", "disk full"),
    ("速度很慢", "slow response"),
    ("蓝屏", "blue screen"),
    ("离线", "offline"),
    ("异响", "strange noise"),
    ("证书过期", "expired certificate"),
]
PARTS = [
    ("日志", "log"),
    ("风扇", "fan"),
    ("电缆", "cable"),
    ("驱动程序", "driver"),
    ("固件", "firmware"),
    ("端口", "port"),
    ("指示灯", "indicator light"),
    ("配置文件", "configuration file"),
    ("网卡", "network card"),
    ("备份", "backup"),
    ("内存", "memory"),
    ("硒鼓", "toner cartridge"),
    ("电池", "battery"),
    ("许可证", "licence"),
]
ACTIONS = [
    ("检查", "check"),
    ("重启", "restart"),
    ("更换", "replace"),
    ("恢复", "restore"),
    ("升级", "upgrade"),
    ("重新配置", "reconfigure"),
    ("清洁", "clean"),
    ("重置", "reset"),
    ("备份", "back up"),
]
CATEGORIES = [
    ("Servers", "服务器"),
    ("Network", "网络"),
    ("Printing", "打印"),
    ("Storage and backup", "存储与备份"),
    ("Databases", "数据库"),
    ("Power", "电源"),
    ("Security", "安全"),
    ("Workplace", "办公设备"),
]
TAGS = ["hardware", "software", "network", "storage", "backup", "power", "printer", "security", "vpn", "email"]
TAGS += ["wifi", "firmware", "raid", "linux", "windows", "硬件", "软件", "网络", "存储", "打印"]
ZH_TITLES = ["{d}{s}的排查步骤", "{d}{s}处理方法", "如何解决{d}{s}", "{d}{p}{s}常见问题", "{d}日常维护：{p}{a}"]
EN_TITLES = [
    "How to fix a {d} {s}",
    "{D} {s}: troubleshooting guide",
    "{D} {p} {s} FAQ",
    "Daily maintenance: {a} the {d} {p}",
    "Why does the {d} report {s}?",
]
ZH_SENTENCES = [
    "如果{d}出现{s}，请先{a}{p}。",
    "{d}{s}通常与{p}有关，建议{a}后观察十分钟。",
    "在{a}{d}之前，请确认{p}状态正常并做好备份。",
    "若问题仍未解决，请收集{d}的{p}信息并联系工程师。",
    "{d}的{p}损坏会导致{s}，需要{a}。",
    "完成后请记录处理过程，以便下次{d}{s}时参考。",
]
EN_SENTENCES = [
    "If the {d} shows {s}, first {a} the {p}.",
    "A {d} {s} is usually caused by the {p}; {a} it and watch for ten minutes.",
    "Before you {a} the {d}, make sure the {p} is healthy and a backup exists.",
    "If the problem persists, collect the {d} {p} details and contact an engineer.",
    "A damaged {p} makes the {d} report {s}, so {a} it.",
    "Write down what you did, for the next time the {d} has a {s}.",
]


def _pick(rng: random.Random, pairs: list[tuple[str, str]]) -> tuple[str, str]:
    return rng.choices(pairs, weights=[1 / (rank + 1) for rank in range(len(pairs))])[0]


def _fill(rng: random.Random, template: str, language: int, topic: tuple) -> str:
    """A template filled in: mostly about the article's device and symptom, sometimes not."""
    device = (topic[0] if rng.random() < 0.75 else _pick(rng, DEVICES))[language]
    return template.format(
        d=device,
        D=device[:1].upper() + device[1:],
        s=(topic[1] if rng.random() < 0.6 else _pick(rng, SYMPTOMS))[language],
        p=_pick(rng, PARTS)[language],
        a=_pick(rng, ACTIONS)[language],
    )


def article_text(rng: random.Random, chinese: bool) -> tuple[str, str]:
    """A title and a body of 6 to 20 sentences in three paragraphs, about one device and one
    symptom (picked with a Zipf-like frequency: the first of each list is the most common)."""
    language = 0 if chinese else 1
    topic = (_pick(rng, DEVICES), _pick(rng, SYMPTOMS))
    title = _fill(rng, rng.choice(ZH_TITLES if chinese else EN_TITLES), language, topic)
    templates = ZH_SENTENCES if chinese else EN_SENTENCES
    sentences = [_fill(rng, rng.choice(templates), language, topic) for _ in range(rng.randint(6, 20))]
    third = max(1, len(sentences) // 3)
    glue = "" if chinese else " "
    paragraphs = [glue.join(sentences[i : i + third]) for i in range(0, len(sentences), third)]
    return title, "\n\n".join(paragraphs)


# --- inside Django (a child process on the benchmark's database) ----------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def generate(count: int) -> dict:
    """``count`` articles, indexed as ``article_index`` indexes them; kept when already there."""
    from django.db import connection, transaction

    from accounts.models import User
    from customers.models import Project
    from training import search
    from training.models import Article, Category, Tag

    # the generated articles are this user's; the demo articles of seed_demo stay beside them
    author = User.objects.get_or_create(username=AUTHOR, defaults={"role": User.Role.ENGINEER})[0]
    generated = Article.objects.filter(author=author)
    first = generated.order_by("pk").values_list("title", flat=True).first()
    if generated.count() == count and first == article_text(random.Random(SEED), chinese=False)[0]:
        return {"created": 0, "seconds": 0.0}
    started = time.monotonic()
    generated.delete()
    rng = random.Random(SEED)
    categories = [Category.objects.get_or_create(name=en, defaults={"name_zh": zh})[0] for en, zh in CATEGORIES]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    tag_order = {pk: n for n, pk in enumerate(Tag.objects.order_by("name", "pk").values_list("pk", flat=True))}
    projects = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    now = time.time()
    batch, links, named = [], [], []

    def flush() -> None:
        with transaction.atomic():
            created = Article.objects.bulk_create(batch)
            Article.tags.through.objects.bulk_create(
                Article.tags.through(article_id=article.pk, tag_id=tag.pk)
                for article, chosen, _ in zip(created, links, named, strict=True)
                for tag in chosen
            )
            Article.projects.through.objects.bulk_create(
                Article.projects.through(article_id=article.pk, project_id=project)
                for article, _, chosen in zip(created, links, named, strict=True)
                for project in chosen
            )
        batch.clear()
        links.clear()
        named.clear()

    for number in range(count):
        chinese = number % 2 == 1
        title, body = article_text(rng, chinese)
        category = rng.choice([*categories, None])
        chosen = sorted(rng.sample(tags, rng.randint(0, 3)), key=lambda tag: tag_order[tag.pk])
        roll = rng.random()
        visibility = "public" if roll < 0.5 else "customers" if roll < 0.8 else "staff"
        status = rng.choices(["published", "draft", "archived"], weights=[90, 7, 3])[0]
        names = rng.sample(projects, 1) if visibility == "customers" and rng.random() < 1 / 3 else []
        meta = [category.name, category.name_zh] if category else []
        meta += [tag.name for tag in chosen]  # no products: AppliesTo stays empty
        sections = {"A": title, "B": " ".join(meta), "C": body}
        cut = {weight: " ".join(search.terms(text, unigrams=True)) for weight, text in sections.items()}
        published = None if status == "draft" else now - rng.uniform(0, 3 * 365 * 86400)
        batch.append(
            Article(
                title=title,
                body=body,
                language="zh-hans" if chinese else "en",
                kind=rng.choice(["troubleshooting", "faq", "howto"]),
                visibility=visibility,
                status=status,
                category=category,
                author=author,
                published_at=None if published is None else datetime.datetime.fromtimestamp(published, tz=datetime.UTC),
                search_document="\n".join(cut.values()),
            )
        )
        links.append(chosen)
        named.append(names)
        if len(batch) == 2000:
            flush()
    if batch:
        flush()
    if connection.vendor == "postgresql":
        # the three sections of the document, weighted, as SearchVector(Value(...)) + ... writes them
        sections = [
            f"setweight(to_tsvector('english'::regconfig, COALESCE(split_part(search_document, E'\\n', {n}), '')), "
            f"'{weight}')"
            for n, weight in enumerate("ABC", start=1)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE training_article SET search_vector = {' || '.join(sections)} WHERE author_id = %s", [author.pk]
            )
    return {"created": count, "seconds": time.monotonic() - started}


def verify(sample: int) -> dict:
    """Call ``article_index`` on a sample and check that it writes what the bulk wrote."""
    from django.db import connection

    from training import search
    from training.models import Article

    vector = "search_vector::text" if connection.vendor == "postgresql" else "''"
    pks = list(Article.objects.order_by("?").values_list("pk", flat=True)[:sample])

    def snapshot() -> dict:
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(pks))
            cursor.execute(
                f"SELECT id, search_document, {vector} FROM training_article WHERE id IN ({placeholders})", pks
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}

    bulk = snapshot()
    for article in Article.objects.filter(pk__in=pks).select_related("category"):
        search.article_index(article)
    indexed = snapshot()
    differ = [pk for pk in pks if bulk[pk] != indexed[pk]]
    return {
        "checked": len(pks),
        "differ": differ,
        "with_tags": Article.objects.filter(pk__in=pks, tags__isnull=False).distinct().count(),
    }


# what a customer of ``organisation`` may read that matches ``query``: selectors.visible_articles
MATCHING = """
FROM training_article a, to_tsquery('english', %(query)s) AS q(query)
WHERE a.search_vector @@ q.query
  AND a.status = 'published'
  AND (a.visibility = 'public'
       OR (a.visibility = 'customers'
           AND (NOT EXISTS (SELECT 1 FROM training_article_projects n WHERE n.article_id = a.id)
                OR EXISTS (SELECT 1 FROM training_article_projects n JOIN customers_project p ON p.id = n.project_id
                           WHERE n.article_id = a.id AND p.organisation_id = %(organisation)s))))
"""
BARE = (
    "SELECT a.id, a.title, a.language, a.published_at, ts_rank('{0,0.2,0.4,1}', a.search_vector, q.query) AS rank"
    + MATCHING
    + f"ORDER BY rank DESC, a.published_at DESC, a.id DESC LIMIT {PAGE}"
)
COUNT = "SELECT count(*)" + MATCHING


def tsquery(text: str) -> str:
    """The query as a tsquery: the OR of the terms, the English word being typed as a prefix."""
    from training import search

    words = re.findall(r"[a-z0-9]+", text.lower())
    prefix = words[-1] if words and text.lower().endswith(words[-1]) else None
    return " | ".join(f"{word}:*" if word == prefix else word for word in search.query_terms(text))


def strict_tsquery(text: str) -> str:
    """The same words, all required: each Chinese run as the phrase of its bigrams (which
    ``terms`` writes at consecutive positions), each English word as itself (the last one typed
    as a prefix). Not what the service does: a proposal, timed beside it."""
    from training import search

    lowered = text.lower()
    tokens = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+", lowered)
    parts = []
    for token in tokens:
        if token.isascii():
            parts.append(f"{token}:*" if token == tokens[-1] and lowered.endswith(token) else token)
        else:
            parts.append("(" + " <-> ".join(search.terms(token)) + ")")
    return " & ".join(parts)


STRICT = BARE.replace("WHERE a.search_vector @@ q.query", "WHERE a.search_vector @@ to_tsquery('english', %(strict)s)")
STRICT_COUNT = COUNT.replace(
    "WHERE a.search_vector @@ q.query", "WHERE a.search_vector @@ to_tsquery('english', %(strict)s)"
)


def timed(variants: dict, runs: int) -> dict[str, list[float]]:
    """Each variant's time per run, the variants taking turns (so that a busy moment of the
    machine falls on all of them alike), after 5 warm-ups."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(runs + 5):
        for name, function in variants.items():
            started = time.perf_counter()
            function()
            if run >= 5:
                times[name].append(time.perf_counter() - started)
    return times


def measure(runs: int) -> dict:
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from training import search, selectors
    from training.models import Article

    customer = User.objects.get(username="alice")
    postgresql = connection.vendor == "postgresql"
    cursor = connection.cursor()
    census = {
        "articles": Article.objects.count(),
        "generated": Article.objects.filter(author__username=AUTHOR).count(),
        "visible": selectors.article_list(user=customer).count(),
        "english": Article.objects.filter(language="en").count(),
    }
    if postgresql:
        cursor.execute("SHOW jit")
        census["jit"] = cursor.fetchone()[0]
    rows = []
    for label, text in QUERIES:

        def orm(text: str = text) -> list:
            return list(selectors.article_search(user=customer, text=text)[:PAGE])

        def proposed(text: str = text) -> list:
            # article_search with the related rows fetched after the page instead of joined to
            # every match, and without the search columns nobody reads from the results
            queryset = (
                Article.objects.filter(selectors.visible_articles(user=customer))
                .defer("search_document", "search_vector")
                .prefetch_related("category", "author", "tags", "applies_to")
            )
            return list(search.search(queryset, text)[:PAGE])

        with CaptureQueriesContext(connection) as captured:
            page = orm()
        queries = [query["sql"] for query in captured.captured_queries]
        row = {"label": label, "text": text, "queries": queries, "ids": [article.pk for article in page]}
        variants = {"orm": orm}
        if postgresql:
            params = {"query": tsquery(text), "organisation": customer.organisation_id}

            def bare(params: dict = params) -> list:
                cursor.execute(BARE, params)
                return cursor.fetchall()

            def replay(queries: list[str] = queries) -> None:
                for query in queries:
                    cursor.execute(query)
                    cursor.fetchall()

            def without_jit(function):
                def run() -> None:
                    cursor.execute("SET jit = off")
                    try:
                        function()
                    finally:
                        cursor.execute("RESET jit")

                return run

            row["tsquery"] = params["query"]
            row["bare_ids"] = [line[0] for line in bare()]
            strict = {**params, "strict": strict_tsquery(text)}

            def bare_strict(params: dict = strict) -> list:
                cursor.execute(STRICT, params)
                return cursor.fetchall()

            row["proposed_ids"] = [article.pk for article in proposed()]
            row["strict_tsquery"] = strict["strict"]
            row["strict_ids"] = [line[0] for line in bare_strict()]
            cursor.execute(STRICT_COUNT, strict)
            row["strict_matches"] = cursor.fetchone()[0]
            variants.update(replay=replay, proposed=proposed, bare=bare, strict=bare_strict)
            variants.update(
                orm_nojit=without_jit(orm), proposed_nojit=without_jit(proposed), bare_nojit=without_jit(bare)
            )
            cursor.execute(COUNT, params)
            row["matches"] = cursor.fetchone()[0]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + queries[0])
            row["plan"] = [line for (line,) in cursor.fetchall()]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + BARE, params)
            row["bare_plan"] = [line for (line,) in cursor.fetchall()]
        else:
            condition = Q()
            for word in search.query_terms(text):
                condition |= Q(search_document__contains=word)
            matching = selectors.article_list(user=customer).filter(condition)
            row["matches"] = matching.count()
            # the fallback scores at most 500 candidates: is its first page the best of all matches?
            words = search.query_terms(text)
            everything = sorted(
                (search._score(document, words) for document in matching.values_list("search_document", flat=True)),
                reverse=True,
            )
            row["best_scores"] = everything[:PAGE]
            row["page_scores"] = [article.rank for article in page]
        row.update(timed(variants, runs))
        rows.append(row)
    return {"census": census, "rows": rows, "vendor": connection.vendor}


def child(phase: str, args: argparse.Namespace) -> None:
    django_setup()
    if phase == "generate":
        result = generate(args.articles)
        result["verify"] = verify(args.sample)
    else:
        result = measure(args.runs)
    print(json.dumps(result, default=str))


# --- the run ----------------------------------------------------------------------------------


def in_django(bench: Bench, phase: str, *options: str) -> dict:
    process = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--child", phase, *options],
        cwd=ROOT,
        env=bench.env,
        capture_output=True,
        text=True,
    )
    if process.returncode:
        raise SystemExit(f"{phase} failed:\n{process.stderr}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def prepare(bench: Bench, articles: int, sample: int) -> dict:
    postgresql = bench.env["DATABASE_URL"].startswith("postgres")
    if postgresql and bench.psql(f"SELECT 1 FROM pg_database WHERE datname='{bench.db_name}'") != "1":
        bench.psql(f"CREATE DATABASE {bench.db_name}")
    bench.sh(PYTHON, "manage.py", "migrate", "--noinput")
    bench.sh(PYTHON, "manage.py", "seed_demo")
    built = in_django(bench, "generate", "--articles", str(articles), "--sample", str(sample))
    if built["created"]:
        print(f"generated {built['created']:,} articles in {built['seconds']:.0f} s")
    else:
        print(f"{articles:,} articles there already")
    checked = built["verify"]
    print(
        f"article_index on {checked['checked']} articles ({checked['with_tags']} with tags) wrote what the bulk "
        f"wrote: {'yes' if not checked['differ'] else 'NO, differ: ' + str(checked['differ'])}"
    )
    if checked["differ"]:
        raise SystemExit(
            "the bulk index differs from article_index: if training.search changed since the articles were "
            f"generated, drop {bench.db_name} (or delete {SQLITE_FILE}) and run again; if it still differs, bring "
            "generate() in line with article_index"
        )
    return built


def ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def p95(times: list[float]) -> float:
    return percentile(times, 0.95) * 1000


def plan_summary(plan: list[str]) -> str:
    scans = [line.strip().removeprefix("->  ").split("  (")[0] for line in plan if "Scan on" in line]
    jit = next((line.split("Total")[1].strip() for line in plan if "Timing:" in line and "Total" in line), None)
    execution = next(line.split(":")[1].strip() for line in plan if "Execution Time" in line)
    return f"{'; '.join(dict.fromkeys(scans))}. Execution {execution}" + (f", of which JIT {jit}" if jit else "")


def report_postgresql(result: dict, runs: int) -> None:
    census = result["census"]
    rows = result["rows"]
    print(
        f"\n{census['articles']:,} articles ({census['generated']:,} generated, {census['english']:,} in English), "
        f"{census['visible']:,} visible to the "
        f"customer alice; {runs} runs of each variant, taking turns, after 5 warm-ups; first page of {PAGE}; "
        f"jit = {census['jit']}"
    )
    print(
        "\n| query | matches | `article_search` median ms | p95 ms | hand-written SQL median ms | p95 ms "
        "| `article_search` / SQL | GIN `article_search` |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        gin = "yes" if any("article_search" in line for line in row["plan"]) else "NO"
        same = "" if row["ids"] == row["bare_ids"] else " (RESULTS DIFFER)"
        print(
            f"| {row['label']}: `{row['text']}` | {row['matches']:,} | {ms(row['orm']):.2f} | {p95(row['orm']):.2f} "
            f"| {ms(row['bare']):.2f} | {p95(row['bare']):.2f} | {ms(row['orm']) / ms(row['bare']):.2f}x "
            f"| {gin}{same} |"
        )
    print(
        "\nWhere the time goes (medians, ms): the ORM's SQL replayed on a cursor (its search query and the two "
        "prefetches); a proposed variant of the selector (category and author prefetched after the page instead "
        "of joined to every match, the search columns deferred); each search also with JIT compilation off "
        "(SET jit = off)."
    )
    print(
        "\n| query | `article_search` | its SQL replayed | proposed | hand-written SQL "
        "| `article_search`, jit off | proposed, jit off | hand-written SQL, jit off |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    names = ("orm", "replay", "proposed", "bare", "orm_nojit", "proposed_nojit", "bare_nojit")
    for row in rows:
        same = "" if row["ids"] == row["proposed_ids"] else " (proposed: RESULTS DIFFER)"
        print(f"| `{row['text']}`{same} | " + " | ".join(f"{ms(row[name]):.2f}" for name in names) + " |")
    print(
        "\nA proposal: all the words required (a Chinese run as the phrase of its bigrams), ranked as before; "
        "hand-written SQL, medians in ms. Where it finds fewer than a page, the service would fall back to "
        "the OR of the terms."
    )
    print("\n| query | tsquery | matches | median ms | the OR query's median ms | same first page |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        same = "yes" if row["strict_ids"] == row["bare_ids"] else "no"
        print(
            f"| `{row['text']}` | `{row['strict_tsquery']}` | {row['strict_matches']:,} | {ms(row['strict']):.2f} "
            f"| {ms(row['bare']):.2f} | {same} |"
        )
    print("\nPlans (EXPLAIN ANALYZE, once):")
    for row in rows:
        print(f"- `{row['text']}` (tsquery `{row['tsquery']}`), the ORM's query: {plan_summary(row['plan'])}")
        print(f"  the hand-written SQL: {plan_summary(row['bare_plan'])}")
    example = rows[2]
    print(f"\nThe ORM's search query for `{example['text']}`:\n   {example['queries'][0]}\nits plan:")
    for line in example["plan"]:
        print("   " + line)
    print("the plan of the hand-written SQL:")
    for line in example["bare_plan"]:
        print("   " + line)


def report_sqlite(result: dict, runs: int) -> None:
    census = result["census"]
    print(
        f"\nSQLite fallback: {census['articles']:,} articles ({census['generated']:,} generated), "
        f"{census['visible']:,} visible to the customer; "
        f"{runs} runs each"
    )
    print("\n| query | matches | `article_search` median ms | p95 ms | first page = the best-scored of all matches |")
    print("| --- | ---: | ---: | ---: | --- |")
    for row in result["rows"]:
        page, best = row["page_scores"], row["best_scores"]
        verdict = "yes" if page == best else f"no: scores {page[0]} to {page[-1]}, the best 20: {best[0]} to {best[-1]}"
        print(
            f"| {row['label']}: `{row['text']}` | {row['matches']:,} | {ms(row['orm']):.2f} | "
            f"{p95(row['orm']):.2f} | {verdict} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000, help="articles on PostgreSQL")
    parser.add_argument("--sqlite-articles", type=int, default=5_000, help="articles on SQLite (0: skip SQLite)")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per query and variant")
    parser.add_argument("--sample", type=int, default=200, help="articles re-indexed by article_index to compare")
    parser.add_argument("--database", default="servicedesk_bench_kb", help="the PostgreSQL database to build/use")
    parser.add_argument("--child", choices=["generate", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args)
        return
    started = time.monotonic()
    postgresql = Bench(args.database, 0)  # no server: the port is not used
    version = postgresql.psql("SHOW server_version")
    print(f"{os.cpu_count()} cores, PostgreSQL {version}, load average {os.getloadavg()[0]:.2f}")
    prepare(postgresql, args.articles, args.sample)
    postgresql.psql("VACUUM ANALYZE", postgresql.db_name)
    report_postgresql(in_django(postgresql, "measure", "--runs", str(args.runs)), args.runs)
    if args.sqlite_articles:
        sqlite = Bench("sqlite", 0)
        sqlite.env["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        prepare(sqlite, args.sqlite_articles, min(args.sample, args.sqlite_articles))
        report_sqlite(in_django(sqlite, "measure", "--runs", str(args.runs)), args.runs)
    print(f"\n(the whole run took {time.monotonic() - started:.0f} s; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
