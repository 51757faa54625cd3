from django.urls import path

from mail import views

app_name = "mail"

urlpatterns = [
    path("", views.inbound_list, name="list"),
    path("<int:pk>/", views.inbound_detail, name="detail"),
    path("<int:pk>/original.eml", views.inbound_original, name="original"),
    path("<int:pk>/open-ticket/", views.inbound_open_ticket, name="open-ticket"),
    path("<int:pk>/add-to-ticket/", views.inbound_add_to_ticket, name="add-to-ticket"),
    path("<int:pk>/dismiss/", views.inbound_dismiss, name="dismiss"),
    path("<int:pk>/retry/", views.inbound_retry, name="retry"),
    path("cc/<int:pk>/decide/", views.cc_request_decide, name="cc-decide"),
]
