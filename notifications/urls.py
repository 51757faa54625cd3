"""Pages of the notifications module; the URL namespace is reserved here for its issue to fill."""

app_name = "notifications"

urlpatterns: list = []
