from django.urls import path

from training.views import kb, plans, sessions

app_name = "training"

urlpatterns = [
    # training
    path("", sessions.session_list, name="home"),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/new/", plans.plan_edit, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("projects/<int:pk>/", plans.project_records, name="project_records"),
    path("sessions/new/", sessions.session_edit, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/enrol/", sessions.enrol, name="enrol"),
    path("sessions/<int:pk>/attendance/", sessions.attendance, name="attendance"),
    path("sessions/<int:pk>/invitation.ics", sessions.invitation, name="invitation"),
    path("sessions/<int:pk>/materials/", sessions.material_add, name="material_add"),
    path("sessions/<int:pk>/materials/<int:material_pk>/", sessions.material_download, name="material"),
    path("sessions/<int:pk>/materials/<int:material_pk>/remove/", sessions.material_remove, name="material_remove"),
    path("enrolments/<int:pk>/cancel/", sessions.enrolment_cancel, name="enrolment_cancel"),
    path("enrolments/<int:pk>/feedback/", sessions.feedback, name="feedback"),
    path("enrolments/<int:pk>/certificate.pdf", sessions.certificate, name="certificate"),
    # knowledge base
    path("kb/", kb.article_list, name="kb"),
    path("kb/new/", kb.article_edit, name="article_create"),
    path("kb/suggest/", kb.suggest, name="suggest"),
    path("kb/from-ticket/<int:ticket_pk>/", kb.article_from_ticket, name="article_from_ticket"),
    path("kb/<int:pk>/", kb.article_detail, name="article_detail"),
    path("kb/<int:pk>/edit/", kb.article_edit, name="article_edit"),
    path("kb/<int:pk>/history/", kb.article_history, name="article_history"),
    path("kb/<int:pk>/solved/", kb.article_solved, name="article_solved"),
]
