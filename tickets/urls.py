from django.urls import path

from tickets import views, views_calls, views_links, views_live, views_macros, views_queue, views_time

app_name = "tickets"

urlpatterns = [
    path("", views_queue.ticket_list, name="list"),
    path("views/save/", views_queue.queue_view_save, name="queue_view_save"),
    path("views/<int:pk>/edit/", views_queue.queue_view_edit, name="queue_view_edit"),
    path("views/<int:pk>/delete/", views_queue.queue_view_delete, name="queue_view_delete"),
    path("views/nav/", views_queue.queue_nav, name="queue_nav"),
    path("new/", views.ticket_create, name="create"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("macros/", views_macros.macro_list, name="macro_list"),
    path("macros/new/", views_macros.macro_create, name="macro_create"),
    path("macros/<int:pk>/edit/", views_macros.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/delete/", views_macros.macro_delete, name="macro_delete"),
    path("<int:pk>/macro-preview/", views_macros.macro_preview, name="macro_preview"),
    path("<int:pk>/apply-macro/", views_macros.macro_apply, name="apply_macro"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/links/", views_links.link_add, name="link_add"),
    path("<int:pk>/links/<int:link_pk>/remove/", views_links.link_remove, name="link_remove"),
    path("<int:pk>/merge/", views_links.merge, name="merge"),
    path("bulk-merge/", views_links.bulk_merge, name="bulk_merge"),
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
    path("<int:pk>/time/", views_time.time_entry_add, name="time_add"),
    path("<int:pk>/time/<int:entry_pk>/delete/", views_time.time_entry_delete, name="time_delete"),
    path("<int:pk>/acknowledge/", views.ticket_acknowledge, name="acknowledge"),
    path("acknowledge/<str:token>/", views.acknowledge_link, name="acknowledge_link"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/changes/", views_live.ticket_changes, name="changes"),
    path("queue/changes/", views_live.queue_changes, name="queue_changes"),
]
