"""The demo history's tables: what happened, to whom and when (in days or months ago)."""

from emergency.models import Grade, Incident
from maintenance.models import Release
from tickets.models import Ticket
from training.models import TrainingSession

SEED = 8
HISTORY_DAYS = 365
HISTORY_MARKER_DAYS = 30
Status = Ticket.Status
Channel = Ticket.Channel
Category = Ticket.Category

# organisation code -> tickets over the year, project code, contacts (usernames)
ORGANISATIONS = {
    "eastbay-water": (110, "ebw-scada", ["alice", "carol"]),
    "northgate-hospital": (90, "ngh-records", ["bob"]),
}
# who the tickets are assigned to, and how often; a multiplier of the time they take
ASSIGNEES = [("engineer", 40, 1.0), ("tech", 30, 0.8), ("liaison", 15, 1.2), ("manager", 15, 1.1)]
STAFF = [username for username, _weight, _speed in ASSIGNEES] + ["leader"]
CHANNELS = [
    (Channel.PORTAL, 40),
    (Channel.HOTLINE, 30),
    (Channel.EMAIL, 15),
    (Channel.INSTANT_MESSAGE, 10),
    (Channel.REMOTE_DESKTOP, 5),
]
PRIORITIES = {  # by category: (priority, weight)
    Category.FAULT: [("urgent", 15), ("high", 35), ("normal", 40), ("low", 10)],
    Category.QUESTION: [("normal", 50), ("low", 50)],
    Category.REQUEST: [("high", 10), ("normal", 50), ("low", 40)],
    Category.CHANGE: [("high", 20), ("normal", 60), ("low", 20)],
    Category.COMPLAINT: [("high", 40), ("normal", 60)],
}
TITLES = {
    "eastbay-water": [
        (Category.FAULT, "Historian shows gaps in the flow data"),
        (Category.FAULT, "Operator workstation cannot connect to the SCADA server"),
        (Category.FAULT, "Alarm list stops refreshing"),
        (Category.FAULT, "Pumping station 3 shows communication lost"),
        (Category.FAULT, "Trend screens load very slowly"),
        (Category.FAULT, "Nightly backup of the SCADA server failed"),
        (Category.FAULT, "Workstation clocks drift from the server time"),
        (Category.FAULT, "Alarm printer prints nothing"),
        (Category.QUESTION, "How do we export the monthly flow report?"),
        (Category.QUESTION, "Licence warning on the SCADA server"),
        (Category.REQUEST, "Account for a new control room operator"),
        (Category.REQUEST, "Restore last week's historian data for an audit"),
        (Category.CHANGE, "Add the tags of the new reservoir"),
        (Category.COMPLAINT, "Engineer arrived later than promised"),
    ],
    "northgate-hospital": [
        (Category.FAULT, "Records application slow at the shift change"),
        (Category.FAULT, "Discharge summaries do not print"),
        (Category.FAULT, "Storage array reports a disk warning"),
        (Category.FAULT, "Records cluster node restarted by itself"),
        (Category.FAULT, "Replication to the second site is behind"),
        (Category.FAULT, "Scanned documents not attached to the records"),
        (Category.FAULT, "Results from the lab system arrive late"),
        (Category.QUESTION, "How do we restore a deleted note?"),
        (Category.QUESTION, "Which browsers does the records application support?"),
        (Category.REQUEST, "Add the new day surgery department"),
        (Category.REQUEST, "User locked out of the records system"),
        (Category.CHANGE, "Move the backup window to 02:00"),
        (Category.COMPLAINT, "Nobody answered the hotline for an hour"),
    ],
}
RATING_COMMENTS = {
    5: ["Quick and friendly, thank you.", "Fixed before the shift started.", ""],
    4: ["Good, but it took a while to hear back.", ""],
    3: ["Solved in the end; please keep us informed.", ""],
    2: ["Too slow for a problem this serious.", ""],
    1: ["We waited far too long.", ""],
}
# days ago received, status, priority, category, title (organisation code first)
OPEN_TICKETS = [
    ("eastbay-water", 0.1, Status.NEW, "high", Category.FAULT, "Operator workstation 4 shows a blue screen"),
    ("eastbay-water", 1.5, Status.ACKNOWLEDGED, "normal", Category.REQUEST, "Two more historian user accounts"),
    ("eastbay-water", 4, Status.IN_PROGRESS, "normal", Category.FAULT, "Reservoir level trend has spikes"),
    ("eastbay-water", 12, Status.WAITING_ON_CUSTOMER, "low", Category.QUESTION, "Export of the alarm log to Excel"),
    ("eastbay-water", 45, Status.IN_PROGRESS, "low", Category.CHANGE, "Rename the tags of pumping station 7"),
    ("northgate-hospital", 0.3, Status.ACKNOWLEDGED, "urgent", Category.FAULT, "Radiology cannot open records"),
    ("northgate-hospital", 2.5, Status.IN_PROGRESS, "high", Category.FAULT, "Backup verification job fails"),
    ("northgate-hospital", 6, Status.WAITING_ON_CUSTOMER, "normal", Category.FAULT, "Ward printer queue stuck"),
    ("northgate-hospital", 20, Status.IN_PROGRESS, "normal", Category.REQUEST, "New report for the day surgery"),
]
INCIDENTS = {
    # days ago, grade, final status, hours to respond, hours to recover, title, root cause, actions
    # (description, days after the review it is due, done)
    "eastbay-water": [
        (
            300,
            Grade.CRITICAL,
            Incident.Status.CLOSED,
            0.4,
            3.5,
            "SCADA server cluster down: no view of the plant",
            "A failed storage controller took both cluster nodes down: they shared one controller.",
            [("Give each cluster node its own storage controller", 30, True), ("Quarterly failover drill", 60, True)],
        ),
        (
            200,
            Grade.URGENT,
            Incident.Status.CLOSED,
            0.5,
            9,
            "Ransomware alert on two operator workstations",
            "A USB stick brought in by a contractor; application whitelisting was off on two workstations.",
            [("Whitelisting on every workstation, checked monthly", 20, True), ("Block USB storage", 40, False)],
        ),
        (
            120,
            Grade.IMPORTANT,
            Incident.Status.CLOSED,
            1.5,
            30,
            "Link to pumping stations 2 and 5 lost",
            "A fibre cut by road works; the 4G backup link was not configured for station 5.",
            [("Configure and test the 4G backup link of every station", 75, False)],
        ),
        (
            40,
            Grade.GENERAL,
            Incident.Status.CLOSED,
            2,
            20,
            "Historian database full: recording stopped",
            "The archive job had been failing silently since an upgrade.",
            [("Alert when the historian volume is 80% full", 10, True)],
        ),
        (6, Grade.GENERAL, Incident.Status.VERIFIED, 1, 10, "Alarm flood after the firmware update", "", []),
    ],
    "northgate-hospital": [
        (
            280,
            Grade.URGENT,
            Incident.Status.CLOSED,
            0.3,
            5,
            "Records cluster unavailable in the emergency ward",
            "A certificate expired on the load balancer.",
            [("Monitor certificate expiry dates", 14, True)],
        ),
        (
            150,
            Grade.CRITICAL,
            Incident.Status.CLOSED,
            0.2,
            7,
            "Storage array controller failure",
            "A controller firmware defect; the vendor's fix was not yet installed.",
            [("Install storage firmware fixes within a month", 30, True), ("Spare controller on site", 90, False)],
        ),
        (
            90,
            Grade.GENERAL,
            Incident.Status.CLOSED,
            3,
            40,
            "Replication to the second site stalled",
            "The replication link's bandwidth was halved by a change at the provider.",
            [],
        ),
        (
            25,
            Grade.IMPORTANT,
            Incident.Status.REVIEWED,
            1,
            12,
            "Login failures in the records application",
            "The directory server's connection pool ran out after a configuration change.",
            [("Load test the directory connection settings before changes", 20, False)],
        ),
        (2, Grade.URGENT, Incident.Status.RECOVERED, 0.5, 6, "Pharmacy interface stopped sending orders", "", []),
    ],
}
LEVELS = {  # the matrix answers that give each grade
    Grade.GENERAL: ("low", "low", "medium"),
    Grade.IMPORTANT: ("medium", "medium", "medium"),
    Grade.URGENT: ("high", "medium", "medium"),
    Grade.CRITICAL: ("high", "high", "high"),
}
INSPECTION_MONTHS_AGO = [11, 8, 5, 2]
HEALTH_CHECK_MONTHS_AGO = [6]
# a visit not done yet, overdue (flagged back then): project code, days overdue, title
OVERDUE_INSPECTION = ("ngh-records", 5, "Health check after the storage firmware update")
# project code, months ago, satisfaction, notes
RETURN_VISITS = [
    ("ebw-scada", 10, 4, "Happy with the response times; asked for more training."),
    ("ebw-scada", 7, 3, "The link outage hurt; wants a backup link plan."),
    ("ebw-scada", 4, 5, "Very satisfied with the on-site work."),
    ("ebw-scada", 1, 4, "Good; asks for the monthly report earlier."),
    ("ngh-records", 9, 3, "The certificate outage worried the emergency ward."),
    ("ngh-records", 6, 4, "Storage replacement went smoothly."),
    ("ngh-records", 2, 5, "Satisfied; thanks for the quick hotline answers."),
]
# product, version, kind, installed before, months ago done
UPGRADES = [
    ("SCADA Server", "4.2.1", Release.Kind.PATCH, "4.2.0", 9),
    ("Historian DB", "2.1.0", Release.Kind.MINOR, "2.0.4", 6),
    ("Operator workstation", "2025.1", Release.Kind.MINOR, "2024.2", 3),
    ("Records Application", "7.3", Release.Kind.MINOR, "7.2.5", 8),
    ("Storage array", "firmware 11.2", Release.Kind.PATCH, "firmware 11.1", 4),
]
# project code, months ago, title, format, trainer
SESSIONS = [
    ("ebw-scada", 10, "SCADA basics for new operators", TrainingSession.Format.ONSITE, "engineer"),
    ("ebw-scada", 6, "Alarm handling refresher", TrainingSession.Format.ONLINE, "tech"),
    ("ebw-scada", 3, "Backups and the historian", TrainingSession.Format.ONSITE, "engineer"),
    ("ngh-records", 9, "Records application for ward administrators", TrainingSession.Format.ONSITE, "engineer"),
    ("ngh-records", 5, "Restore tests and storage firmware", TrainingSession.Format.ONLINE, "tech"),
    ("ngh-records", 1, "Outage procedures for the emergency ward", TrainingSession.Format.ONSITE, "tech"),
]
DEFLECTION_QUERIES = ["printer blank labels", "network outage", "restore", "warranty", "报警", "备份", "server slow"]
# the asset whose own warranty ends soon: project code, product, days until its last day
EXPIRING_ASSET = ("ebw-scada", "Operator workstation", 45)
