from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts.api import LogoutView, MeView, MyTokenViewSet, TokenView
from accounts.api_security import (
    AuditEventViewSet,
    MySessionViewSet,
    UserSessionViewSet,
    UserTokenViewSet,
)
from core.db import replica_view
from customers.api import OrganisationViewSet, ProjectViewSet
from emergency.api import (
    GradingMatrixViewSet,
    IncidentViewSet,
    OnDutyView,
    ResponsePlanViewSet,
    RiskViewSet,
    RotaViewSet,
)
from emergency.api.contacts import SupportContactsView
from emergency.api.links import IncidentLinkDetailView, TicketLinkDetailView, TicketLinksView
from emergency.api.review_actions import ReviewActionViewSet
from emergency.api.time import IncidentTimeEntryViewSet
from imports.api import ImportJobViewSet
from mail.api import InboundEmailViewSet
from maintenance.api.assets import AssetViewSet
from maintenance.api.inspections import InspectionScheduleViewSet, InspectionViewSet, ReturnVisitViewSet
from maintenance.api.releases import ProductViewSet, ReleaseViewSet, UpgradeNoticeViewSet
from maintenance.api.visits import ReturnVisitScheduleViewSet
from maintenance.api.warranties import (
    BillableItemViewSet,
    ContractViewSet,
    TicketCoverageView,
    WarrantyTermsViewSet,
    WarrantyViewSet,
)
from notifications.api import NotificationViewSet, PreferenceView
from parts.api import (
    MovementViewSet,
    PartViewSet,
    RmaViewSet,
    StockLocationViewSet,
    StockViewSet,
    TicketPartsView,
)
from privacy.api import MyPersonalDataView, UserEraseView, UserListView, UserPersonalDataView
from reports.api.archive import ArchiveView
from reports.api.dashboard import DashboardReportView, SLAReportView
from reports.api.reviews import QualityReviewViewSet
from reports.api.time import TimeReportView
from servicedesk import views
from tickets.api import CalendarViewSet, EscalationPolicyViewSet, SLAPolicyViewSet, TicketViewSet
from tickets.api.macros import MacroViewSet, TicketApplyMacroView
from tickets.api.merge import TicketMergeView
from tickets.api.queue_views import QueueViewViewSet
from tickets.api.time import TicketTimeEntryViewSet
from training.api.articles import ArticleCategoryViewSet, ArticleViewSet
from training.api.plans import TrainingPlanViewSet
from training.api.sessions import EnrolmentViewSet, TrainingSessionViewSet

admin.site.site_header = _("After-sales service desk administration")
admin.site.site_title = _("After-sales service desk")
admin.site.index_title = _("Configuration")

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("projects", ProjectViewSet, basename="project")
router.register("assets", AssetViewSet, basename="asset")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("macros", MacroViewSet, basename="macro")
router.register("queue-views", QueueViewViewSet, basename="queue-view")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("sla-policies", SLAPolicyViewSet, basename="sla-policy")
router.register("escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("grading-matrix", GradingMatrixViewSet, basename="grading-rule")
router.register("response-plans", ResponsePlanViewSet, basename="response-plan")
router.register("risks", RiskViewSet, basename="risk")
router.register("review-actions", ReviewActionViewSet, basename="review-action")
router.register("rotas", RotaViewSet, basename="rota")
router.register("warranty-terms", WarrantyTermsViewSet, basename="warranty-terms")
router.register("warranties", WarrantyViewSet, basename="warranty")
router.register("contracts", ContractViewSet, basename="contract")
router.register(r"tickets/(?P<ticket_id>[0-9]+)/billable-items", BillableItemViewSet, basename="billable-item")
router.register(r"tickets/(?P<ticket_id>[0-9]+)/time-entries", TicketTimeEntryViewSet, basename="ticket-time-entry")
router.register(
    r"incidents/(?P<incident_id>[0-9]+)/time-entries", IncidentTimeEntryViewSet, basename="incident-time-entry"
)
router.register("inspection-schedules", InspectionScheduleViewSet, basename="inspection-schedule")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
router.register("return-visit-schedules", ReturnVisitScheduleViewSet, basename="return-visit-schedule")
router.register("products", ProductViewSet, basename="product")
router.register("releases", ReleaseViewSet, basename="release")
router.register("upgrade-notices", UpgradeNoticeViewSet, basename="upgrade-notice")
router.register("trainings", TrainingPlanViewSet, basename="training-plan")
router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
router.register("enrolments", EnrolmentViewSet, basename="enrolment")
router.register("articles", ArticleViewSet, basename="article")
router.register("article-categories", ArticleCategoryViewSet, basename="article-category")
router.register("quality-reviews", QualityReviewViewSet, basename="quality-review")
router.register("inbound-emails", InboundEmailViewSet, basename="inbound-email")
router.register("parts", PartViewSet, basename="part")
router.register("stock-locations", StockLocationViewSet, basename="stock-location")
router.register("stock", StockViewSet, basename="stock")
router.register("part-movements", MovementViewSet, basename="part-movement")
router.register("rmas", RmaViewSet, basename="rma")
router.register("me/tokens", MyTokenViewSet, basename="my-token")
router.register("me/sessions", MySessionViewSet, basename="my-session")
router.register(r"users/(?P<user_id>[0-9]+)/sessions", UserSessionViewSet, basename="user-session")
router.register(r"users/(?P<user_id>[0-9]+)/tokens", UserTokenViewSet, basename="user-token")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("imports", ImportJobViewSet, basename="import-job")

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("me/", MeView.as_view(), name="api-me"),
    path("me/notification-preferences/", PreferenceView.as_view(), name="api-notification-preferences"),
    path("me/personal-data/", MyPersonalDataView.as_view(), name="api-my-personal-data"),
    path("users/", UserListView.as_view(), name="api-users"),
    path("users/<int:user_id>/personal-data/", UserPersonalDataView.as_view(), name="api-user-personal-data"),
    path("users/<int:user_id>/erase/", UserEraseView.as_view(), name="api-user-erase"),
    path("on-duty/", OnDutyView.as_view(), name="api-on-duty"),
    path("support-contacts/", SupportContactsView.as_view(), name="api-support-contacts"),
    path("tickets/<int:ticket_id>/coverage/", TicketCoverageView.as_view(), name="api-ticket-coverage"),
    path("tickets/<int:ticket_id>/parts/", TicketPartsView.as_view(), name="api-ticket-parts"),
    path("tickets/<int:ticket_id>/merge/", TicketMergeView.as_view(), name="api-ticket-merge"),
    path("tickets/<int:ticket_id>/links/", TicketLinksView.as_view(), name="api-ticket-links"),
    path("tickets/<int:ticket_id>/links/<int:link_id>/", TicketLinkDetailView.as_view(), name="api-ticket-link"),
    path(
        "tickets/<int:ticket_id>/links/incidents/<int:link_id>/",
        IncidentLinkDetailView.as_view(),
        name="api-ticket-incident-link",
    ),
    path("tickets/<int:ticket_id>/apply-macro/", TicketApplyMacroView.as_view(), name="ticket-apply-macro"),
    # the heavy read-only reports read the replica when there is one (core/db.py)
    path("reports/sla/", replica_view(SLAReportView.as_view()), name="api-report-sla"),
    path("reports/dashboard/", replica_view(DashboardReportView.as_view()), name="api-report-dashboard"),
    path("reports/time/", replica_view(TimeReportView.as_view()), name="api-report-time"),
    path("archive/", ArchiveView.as_view(), name="api-archive"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # OpenID Connect sign-in (identity/views.py): always mounted, 404 while not configured
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("", include("customers.urls")),
    path("tickets/", include("tickets.urls")),
    path("emergency/", include("emergency.urls")),
    path("maintenance/", include("maintenance.urls")),
    path("parts/", include("parts.urls")),
    path("training/", include("training.urls")),
    path("reports/", include("reports.urls")),
    path("mail/", include("mail.urls")),
    path("notifications/", include("notifications.urls")),
    path("privacy/", include("privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]

handler404 = "servicedesk.views.not_found"
handler500 = "servicedesk.views.server_error"
