from django.urls import path

from emergency import escalation_views, review_views, time_views, views, views_links

app_name = "emergency"

urlpatterns = [
    path("", views.board, name="board"),
    path("report/", views.incident_report, name="report"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/timeline/", views.incident_timeline, name="timeline"),
    path("incidents/<int:pk>/step/", views.incident_step, name="step"),
    path("incidents/<int:pk>/log/", views.incident_log, name="log"),
    path("incidents/<int:pk>/grade/", views.incident_regrade, name="regrade"),
    path("incidents/<int:pk>/arrive/", views.incident_arrive, name="arrive"),
    path("incidents/<int:pk>/resources/<int:resource_id>/check/", views.resource_check, name="check_resource"),
    path("incidents/<int:pk>/report.pdf", views.incident_pdf, name="pdf"),
    path("incidents/<int:pk>/tickets/<int:link_pk>/remove/", views_links.link_remove, name="ticket_link_remove"),
    path("link-tickets/", views_links.bulk_link, name="bulk_link"),
    path("tickets/<int:ticket_pk>/link/", views_links.ticket_link_incident, name="ticket_link"),
    path("incidents/<int:pk>/time/", time_views.incident_time_add, name="time_add"),
    path("incidents/<int:pk>/time/<int:entry_pk>/delete/", time_views.incident_time_delete, name="time_delete"),
    path("incidents/<int:pk>/acknowledge/", escalation_views.incident_acknowledge, name="acknowledge"),
    path("acknowledge/<str:token>/", escalation_views.acknowledge_link, name="acknowledge_link"),
    path("incidents/<int:pk>/actions/", review_views.review_action_add, name="review_action_add"),
    path("incidents/<int:pk>/actions/<int:action_pk>/", review_views.review_action_edit, name="review_action_edit"),
    path(
        "incidents/<int:pk>/actions/<int:action_pk>/done/", review_views.review_action_done, name="review_action_done"
    ),
    path("groups/", views.groups, name="groups"),
    path("rotas/", views.rota_list, name="rotas"),
    path("rotas/<int:pk>/overrides/", views.rota_override, name="rota_override"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("risks/", views.risk_list, name="risks"),
    path("risks/new/", views.risk_edit, name="risk_create"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("projects/<int:project_pk>/risks/", views.risk_sheet, name="risk_sheet"),
]
