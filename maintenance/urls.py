from django.urls import path

from maintenance.views import inspections, releases, warranties

app_name = "maintenance"

urlpatterns = [
    path("", warranties.overview, name="overview"),
    path("warranties/", warranties.warranty_list, name="warranties"),
    path("warranties/new/", warranties.warranty_edit, name="warranty_create"),
    path("warranties/<int:pk>/", warranties.warranty_detail, name="warranty_detail"),
    path("warranties/<int:pk>/edit/", warranties.warranty_edit, name="warranty_edit"),
    path("contracts/", warranties.contract_list, name="contracts"),
    path("contracts/new/", warranties.contract_edit, name="contract_create"),
    path("contracts/<int:pk>/edit/", warranties.contract_edit, name="contract_edit"),
    path("tickets/<int:ticket_pk>/coverage/", warranties.coverage_decide, name="coverage_decide"),
    path("tickets/<int:ticket_pk>/billable/", warranties.billable_add, name="billable_add"),
    path("tickets/<int:ticket_pk>/billable/<int:item_pk>/remove/", warranties.billable_remove, name="billable_remove"),
    path("schedules/", inspections.schedule_list, name="schedules"),
    path("schedules/new/", inspections.schedule_edit, name="schedule_create"),
    path("schedules/<int:pk>/edit/", inspections.schedule_edit, name="schedule_edit"),
    path("inspections/", inspections.inspection_list, name="inspections"),
    path("inspections/new/", inspections.health_check_create, name="health_check_create"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/record/", inspections.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/complete/", inspections.inspection_complete, name="inspection_complete"),
    path("inspections/<int:pk>/cancel/", inspections.inspection_cancel, name="inspection_cancel"),
    path("inspections/<int:pk>/photos/", inspections.photo_add, name="photo_add"),
    path("inspections/<int:pk>/photos/<int:photo_pk>/", inspections.photo_view, name="photo"),
    path("inspections/<int:pk>/report.pdf", inspections.inspection_pdf, name="inspection_pdf"),
    path("calendar/<str:token>.ics", inspections.calendar_feed, name="calendar_feed"),
    path("return-visits/", inspections.return_visit_list, name="return_visits"),
    path("return-visits/new/", inspections.return_visit_edit, name="return_visit_create"),
    path("return-visits/<int:pk>/", inspections.return_visit_done, name="return_visit_done"),
    path("releases/", releases.release_list, name="releases"),
    path("releases/<int:pk>/", releases.release_detail, name="release_detail"),
    path("releases/<int:pk>/publish/", releases.release_publish, name="release_publish"),
    path("notices/<int:pk>/", releases.notice_update, name="notice_update"),
    path("survey/<str:token>/", releases.survey, name="survey"),
]
