"""Pages of the emergency module; the URL namespace is reserved here for its issue to fill."""

app_name = "emergency"

urlpatterns: list = []
