"""The rest of the demo history: incidents, inspections, return visits, upgrades, training
sessions and deflections, written in bulk beside the tickets."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core.references import counter_take
from customers.models import Organisation, Project
from demo.history.data import (
    DEFLECTION_QUERIES,
    HEALTH_CHECK_MONTHS_AGO,
    INCIDENTS,
    INSPECTION_MONTHS_AGO,
    LEVELS,
    OVERDUE_INSPECTION,
    RETURN_VISITS,
    SESSIONS,
    UPGRADES,
)
from demo.history.tickets import TicketWriter, local_moment, month_windows, restamp
from emergency.models import Incident, IncidentCounter, IncidentEntry, ResponsePlan, ReviewAction
from maintenance.models import (
    AnswerKind,
    ChecklistTemplate,
    Decision,
    Inspection,
    InspectionAnswer,
    Product,
    Release,
    ReturnVisit,
    UpgradeNotice,
)
from tickets.models import Ticket
from training.models import Article, Deflection, Enrolment, Feedback, TrainingPlan, TrainingSession


class Writer(TicketWriter):
    """The whole history of one run: the tickets' writer, and the rest."""

    def incidents(self, organisation: Organisation, project: Project) -> None:
        plans = {plan.grade: plan for plan in ResponsePlan.objects.all()}
        leader, tech, manager = self.staff["leader"], self.staff["tech"], self.staff["manager"]
        wanted = sorted(INCIDENTS[organisation.code], key=lambda row: -row[0])
        zone = ZoneInfo(settings.TIME_ZONE)
        rows, entries, actions = [], [], []
        for days_ago, grade, status, respond_hours, recover_hours, title, root_cause, todo in wanted:
            reported = (self.now - datetime.timedelta(days=days_ago, hours=self.rng.uniform(0, 8))).replace(
                microsecond=0
            )
            plan = plans.get(grade)
            severity, scope, urgency = LEVELS[grade]
            incident = Incident(
                organisation=organisation,
                project=project,
                title=title,
                symptoms=title + ".",
                reporter_name=project.customer_liaison.get_full_name() if project.customer_liaison else "",
                channel=Incident.Channel.PHONE,
                reported_at=reported,
                reported_by=self.staff["liaison"],
                status=status,
                grade=grade,
                severity=severity,
                scope_level=scope,
                urgency=urgency,
                suggested_grade=grade,
                assessment="Assessed by the technical group on the phone with the customer.",
                plan=plan,
                responded_at=reported + datetime.timedelta(hours=respond_hours),
                recovered_at=reported + datetime.timedelta(hours=recover_hours),
            )
            if plan is not None:
                incident.response_due_at = reported + datetime.timedelta(minutes=plan.response_minutes)
                incident.recovery_due_at = reported + datetime.timedelta(minutes=plan.recovery_minutes)
                if incident.responded_at > incident.response_due_at:
                    incident.response_breached_at = incident.response_due_at
                if incident.recovered_at > incident.recovery_due_at:
                    incident.recovery_breached_at = incident.recovery_due_at
            steps = [(Incident.Status.RECOVERED, incident.recovered_at)]
            if status != Incident.Status.RECOVERED:
                incident.verified_at = incident.recovered_at + datetime.timedelta(hours=4)
                incident.verified_by = manager
                incident.verification_note = "Confirmed with the customer's IT lead on the phone."
                steps.append((Incident.Status.VERIFIED, incident.verified_at))
            reviewed_at = incident.recovered_at + datetime.timedelta(days=3)
            if status in (Incident.Status.REVIEWED, Incident.Status.CLOSED):
                incident.root_cause = root_cause
                incident.summary = f"{title}. Recovered after {recover_hours:g} hours."
                incident.went_well = "The emergency groups were reached within minutes."
                incident.to_improve = "Tell the customer's wards and operators sooner."
                steps.append((Incident.Status.REVIEWED, reviewed_at))
            if status == Incident.Status.CLOSED:
                incident.closed_at = reviewed_at + datetime.timedelta(days=2)
                steps.append((Incident.Status.CLOSED, incident.closed_at))
            incident.status_changed_at = steps[-1][1]
            rows.append(incident)
            entries.append(
                [
                    (IncidentEntry.Kind.REPORTED, reported, incident.reported_by, {}),
                    (IncidentEntry.Kind.GRADED, reported + datetime.timedelta(minutes=15), tech, {"grade": grade}),
                    *[(IncidentEntry.Kind.STEP, at, leader, {"to": step}) for step, at in steps],
                ]
            )
            actions.append(
                [
                    ReviewAction(
                        description=description,
                        owner=tech if index % 2 == 0 else manager,
                        due_date=timezone.localtime(reviewed_at, zone).date() + datetime.timedelta(days=days),
                        done_at=reviewed_at + datetime.timedelta(days=days - 2) if done else None,
                    )
                    for index, (description, days, done) in enumerate(todo)
                ]
            )
        years = Counter(timezone.localtime(row.reported_at, zone).year for row in rows)
        numbers = {year: counter_take(IncidentCounter, year, count) for year, count in sorted(years.items())}
        for incident in rows:
            year = timezone.localtime(incident.reported_at, zone).year
            incident.reference = f"INC-{year}-{numbers[year]:04d}"
            numbers[year] += 1
        Incident.objects.bulk_create(rows)
        Incident.objects.filter(pk__in=[row.pk for row in rows]).update(
            created_at=F("reported_at"), updated_at=Coalesce("status_changed_at", "reported_at")
        )
        Incident.responders.through.objects.bulk_create(
            Incident.responders.through(incident_id=row.pk, user_id=user.pk) for row in rows for user in (tech,)
        )
        IncidentEntry.objects.bulk_create(
            IncidentEntry(incident=incident, kind=kind, created_at=at, actor=actor, data=data, public=True)
            for incident, lines in zip(rows, entries, strict=True)
            for kind, at, actor, data in lines
        )
        for incident, todo in zip(rows, actions, strict=True):
            for action in todo:
                action.incident = incident
        ReviewAction.objects.bulk_create([action for todo in actions for action in todo])

    # --- maintenance and training --------------------------------------------------------

    def inspections(self, project: Project) -> None:
        checklist = ChecklistTemplate.objects.filter(name="Quarterly inspection").prefetch_related("items").first()
        items = list(checklist.items.all()) if checklist else []
        today = timezone.localdate(self.now, ZoneInfo(settings.TIME_ZONE))
        planned = [(months, Inspection.Kind.INSPECTION, "Quarterly inspection") for months in INSPECTION_MONTHS_AGO]
        planned += [(months, Inspection.Kind.HEALTH_CHECK, "Health check") for months in HEALTH_CHECK_MONTHS_AGO]
        rows = []
        for months, kind, title in planned:
            due = today - relativedelta(months=months)
            started = local_moment(due, self.rng.uniform(9, 11)).astimezone(datetime.UTC).replace(microsecond=0)
            rows.append(
                Inspection(
                    project=project,
                    kind=kind,
                    title=title,
                    due_date=due,
                    engineer=self.staff["engineer"],
                    status=Inspection.Status.COMPLETED,
                    started_at=started,
                    completed_at=started + datetime.timedelta(hours=self.rng.uniform(2, 5)),
                    findings="All services running; logs reviewed; no hardware alarms.",
                    recommendations="Free more space on the data volume before the next quarter.",
                )
            )
        code, days, title = OVERDUE_INSPECTION
        if code == project.code:
            due = today - datetime.timedelta(days=days)
            rows.append(
                Inspection(
                    project=project,
                    kind=Inspection.Kind.HEALTH_CHECK,
                    title=title,
                    due_date=due,
                    engineer=self.staff["engineer"],
                    overdue_at=local_moment(due + datetime.timedelta(days=1), 0.1),  # the engineer was told then
                )
            )
        Inspection.objects.bulk_create(rows)
        InspectionAnswer.objects.bulk_create(
            InspectionAnswer(
                inspection=inspection,
                position=item.position,
                section=item.section,
                label=item.label,
                answer_kind=item.answer_kind,
                unit=item.unit,
                result=InspectionAnswer.Result.PASS if done and item.answer_kind == AnswerKind.PASS_FAIL else "",
                value=str(self.rng.randint(20, 70)) if done and item.answer_kind == AnswerKind.VALUE else "",
            )
            for inspection in rows
            for done in [inspection.status == Inspection.Status.COMPLETED]
            for item in items
        )

    def return_visits(self, project: Project, tickets: list[Ticket]) -> None:
        today = timezone.localdate(self.now, ZoneInfo(settings.TIME_ZONE))
        rows = []
        for code, months, satisfaction, notes in RETURN_VISITS:
            if code != project.code:
                continue
            day = today - relativedelta(months=months)
            done = local_moment(day, 15).astimezone(datetime.UTC)
            ticket = next((t for t in reversed(tickets) if t.resolved_at and t.resolved_at < done), None)
            rows.append(
                ReturnVisit(
                    project=project,
                    ticket=ticket,
                    scheduled_for=day,
                    staff=self.staff["manager"],
                    contact_name=project.customer_liaison.get_full_name() if project.customer_liaison else "",
                    status=ReturnVisit.Status.DONE,
                    done_at=done,
                    notes=notes,
                    satisfaction=satisfaction,
                )
            )
        ReturnVisit.objects.bulk_create(rows)

    def upgrades(self, project: Project) -> None:
        today = timezone.localdate(self.now, ZoneInfo(settings.TIME_ZONE))
        installed = {product.name: product for product in project.products.all()}
        for name, version, kind, before, months in UPGRADES:
            product = installed.get(name)
            if product is None:
                continue
            done_on = today - relativedelta(months=months)
            catalogue, _made = Product.objects.get_or_create(name=name)
            release, _made = Release.objects.get_or_create(
                product=catalogue,
                version=version,
                defaults={
                    "kind": kind,
                    "released_on": done_on - datetime.timedelta(days=20),
                    "notes": "Fixes and small improvements.",
                    "published_at": local_moment(done_on - datetime.timedelta(days=19), 10),
                },
            )
            if release.notices.filter(installed_product=product).exists():
                continue
            UpgradeNotice.objects.create(
                release=release,
                installed_product=product,
                project=project,
                from_version=before,
                decision=Decision.FREE,
                reason="Covered by the warranty or the service contract in force.",
                status=UpgradeNotice.Status.DONE,
                planned_for=done_on,
                done_at=local_moment(done_on, 20),
                done_by=self.staff["engineer"],
                notes="Installed in the evening maintenance window.",
            )

    def trainings(self, project: Project, contacts: list[User]) -> None:
        plan = TrainingPlan.objects.filter(project=project).order_by("pk").first()
        if plan is None:
            return
        today = timezone.localdate(self.now, ZoneInfo(settings.TIME_ZONE))
        sessions = []
        for code, months, title, session_format, trainer in SESSIONS:
            if code != project.code:
                continue
            starts = local_moment(today - relativedelta(months=months), 9.5).astimezone(datetime.UTC)
            sessions.append(
                TrainingSession(
                    plan=plan,
                    title=title,
                    format=session_format,
                    location="" if session_format == TrainingSession.Format.ONLINE else project.site_address,
                    meeting_link="https://meeting.example.com/j/history"
                    if session_format == TrainingSession.Format.ONLINE
                    else "",
                    trainer=self.staff[trainer],
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=3),
                    capacity=20,
                    language="zh-hans",
                )
            )
        TrainingSession.objects.bulk_create(sessions)
        enrolments = [
            Enrolment(
                session=session,
                contact=contact,
                queued_at=session.starts_at - datetime.timedelta(days=10),
                enrolled_by=contact,
                attendance=Enrolment.Attendance.PRESENT,
                attendance_at=session.starts_at + datetime.timedelta(minutes=10),
                attendance_by=session.trainer,
                reminded_at=session.starts_at - datetime.timedelta(days=1),
            )
            for session in sessions
            for contact in contacts
        ]
        Enrolment.objects.bulk_create(enrolments)
        feedback = [
            Feedback(
                enrolment=enrolment,
                rating=self.rng.choice([3, 4, 4, 5, 5]),
                trainer_rating=self.rng.choice([4, 5, 5]),
                comments=self.rng.choice(["Useful.", "More hands-on time, please.", ""]),
            )
            for enrolment in enrolments
        ]
        Feedback.objects.bulk_create(feedback)
        restamp(Feedback, feedback, [row.enrolment.session.ends_at + datetime.timedelta(hours=2) for row in feedback])

    def deflections(self, organisation: Organisation, project: Project, contacts: list[User]) -> None:
        """Articles the organisation's contacts may read said to have solved their problem."""
        customers = Q(visibility=Article.Visibility.CUSTOMERS) & (Q(projects=None) | Q(projects=project))
        articles = list(
            Article.objects.filter(Q(visibility=Article.Visibility.PUBLIC) | customers, status=Article.Status.PUBLISHED)
            .distinct()
            .order_by("pk")
        )
        if not articles:
            return
        rows, moments = [], []
        for number, (start, end) in enumerate(month_windows(self.now, 12)):
            for _each in range(self.rng.randint(2, 4 + number // 2)):  # more as the knowledge base grows
                rows.append(
                    Deflection(
                        article=self.rng.choice(articles),
                        user=self.rng.choice(contacts),
                        organisation=organisation,
                        query=self.rng.choice(DEFLECTION_QUERIES),
                        source=self.rng.choice(Deflection.Source.values),
                    )
                )
                moments.append((start + (end - start) * self.rng.random()).replace(microsecond=0))
        Deflection.objects.bulk_create(rows)
        restamp(Deflection, rows, moments)
