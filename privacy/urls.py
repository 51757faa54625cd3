from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("users/<int:user_id>/export/", views.user_export, name="user_export"),
    path("users/<int:user_id>/erase/", views.user_erase, name="user_erase"),
]
