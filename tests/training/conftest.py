"""Training fixtures: a plan for project A with two topics, an online session of it next week
(capacity 2, the engineer training), and articles in English and Chinese with each visibility."""

import datetime

import pytest
from django.utils import timezone

from training import services
from training.models import Article, Topic, TrainingSession


@pytest.fixture
def plan_a(project_a, engineer):
    return services.plan_save(
        actor=engineer,
        project=project_a,
        title="Operator training",
        audience="Operators",
        topics=[
            {"kind": Topic.Kind.OPERATION, "title": "Daily operation", "hours": 2},
            {"kind": Topic.Kind.TROUBLESHOOTING, "title": "Troubleshooting", "hours": 1},
        ],
    )


@pytest.fixture
def session_a(plan_a, engineer):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    return services.session_save(
        actor=engineer,
        plan=plan_a,
        title="Online operator training",
        format=TrainingSession.Format.ONLINE,
        meeting_link="https://meet.example.com/abc",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=2,
        language="en",
        topics=plan_a.topics.all(),
    )


@pytest.fixture
def colleague_a(org_a):
    from tests.accounts.factories import CustomerFactory

    return CustomerFactory(username="cust-a2", organisation=org_a)


@pytest.fixture
def articles(engineer, project_a):
    """Four published articles: public English, public Chinese, customers of project A only
    (Chinese), staff only (English); and an English draft."""

    def save(**fields):
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("kind", Article.Kind.TROUBLESHOOTING)
        return services.article_save(actor=engineer, **fields)

    return {
        "printer": save(
            title="Printer paper jam",
            body="When the label printer stops with a paper jam, open the cover and remove the label roll.",
            language="en",
            visibility=Article.Visibility.PUBLIC,
            tags=["printer"],
        ),
        "server": save(
            title="服务器故障排除指南",
            body="服务器无法启动时，先检查电源和硬盘指示灯，再查看系统日志。",
            language="zh-hans",
            visibility=Article.Visibility.PUBLIC,
        ),
        "network": save(
            title="网络中断的处理方法",
            body="交换机端口指示灯熄灭时，检查网线连接并重启交换机。",
            language="zh-hans",
            visibility=Article.Visibility.CUSTOMERS,
            projects=[project_a],
        ),
        "internal": save(
            title="Resetting the controller password",
            body="Use the service console to reset the controller password; never tell the customer the master key.",
            language="en",
            visibility=Article.Visibility.STAFF,
        ),
        "draft": save(
            title="Printer driver crashes",
            body="A draft about printer driver crashes.",
            language="en",
            visibility=Article.Visibility.PUBLIC,
            status=Article.Status.DRAFT,
        ),
    }
