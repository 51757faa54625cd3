from django.urls import path

from tickets import views, views_calls

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_create, name="create"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/reply/", views.ticket_reply, name="reply"),
    path("<int:pk>/status/", views.ticket_status, name="status"),
    path("<int:pk>/cc/", views.ticket_cc, name="cc"),
    path("<int:pk>/priority/", views.ticket_priority, name="priority"),
    path("<int:pk>/assign/", views.ticket_assign, name="assign"),
    path("<int:pk>/dispatch/", views.ticket_dispatch, name="dispatch"),
    path("<int:pk>/arrive/", views.ticket_arrive, name="arrive"),
    path("<int:pk>/leave-site/", views.ticket_leave_site, name="leave_site"),
    path("<int:pk>/log-call/", views_calls.ticket_log_call, name="log_call"),
    path("<int:pk>/rate/", views.ticket_rate, name="rate"),
    path("<int:pk>/acknowledge/", views.ticket_acknowledge, name="acknowledge"),
    path("acknowledge/<str:token>/", views.acknowledge_link, name="acknowledge_link"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
