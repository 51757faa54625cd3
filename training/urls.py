"""Pages of the training module; the URL namespace is reserved here for its issue to fill."""

app_name = "training"

urlpatterns: list = []
