from django.urls import path

from parts import views

app_name = "parts"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.part_detail, name="part_detail"),
    path("movements/new/", views.movement_create, name="movement_create"),
    path("reservations/<int:pk>/release/", views.reservation_release, name="reservation_release"),
    path("rmas/", views.rma_list, name="rma_list"),
    path("rmas/new/", views.rma_create, name="rma_create"),
    path("rmas/<int:pk>/", views.rma_detail, name="rma_detail"),
    path("rmas/<int:pk>/transition/", views.rma_transition, name="rma_transition"),
]
