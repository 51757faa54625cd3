"""Pages of the maintenance module; the URL namespace is reserved here for its issue to fill."""

app_name = "maintenance"

urlpatterns: list = []
