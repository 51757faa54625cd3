"""Pages of the tickets module; the URL namespace is reserved here for its issue to fill."""

app_name = "tickets"

urlpatterns: list = []
