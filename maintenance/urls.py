from django.urls import path

from maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("warranties/", views.warranty_list, name="warranties"),
    path("warranties/new/", views.warranty_edit, name="warranty_create"),
    path("warranties/<int:pk>/", views.warranty_detail, name="warranty_detail"),
    path("warranties/<int:pk>/edit/", views.warranty_edit, name="warranty_edit"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_edit, name="contract_create"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("tickets/<int:ticket_pk>/coverage/", views.coverage_decide, name="coverage_decide"),
    path("tickets/<int:ticket_pk>/billable/", views.billable_add, name="billable_add"),
    path("tickets/<int:ticket_pk>/billable/<int:item_pk>/remove/", views.billable_remove, name="billable_remove"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/new/", views.schedule_edit, name="schedule_create"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.health_check_create, name="health_check_create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/record/", views.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/complete/", views.inspection_complete, name="inspection_complete"),
    path("inspections/<int:pk>/cancel/", views.inspection_cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("inspections/<int:pk>/photos/<int:photo_pk>/", views.photo_view, name="photo"),
    path("inspections/<int:pk>/report.pdf", views.inspection_pdf, name="inspection_pdf"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("return-visits/", views.return_visit_list, name="return_visits"),
    path("return-visits/new/", views.return_visit_edit, name="return_visit_create"),
    path("return-visits/<int:pk>/", views.return_visit_done, name="return_visit_done"),
    path("releases/", views.release_list, name="releases"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("releases/<int:pk>/publish/", views.release_publish, name="release_publish"),
    path("notices/<int:pk>/", views.notice_update, name="notice_update"),
    path("survey/<str:token>/", views.survey, name="survey"),
]
