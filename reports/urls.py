from django.urls import path

from core.db import replica_view
from reports.views import archive, dashboard, reviews, time

app_name = "reports"

urlpatterns = [
    # the dashboard and its exports read the replica when there is one (core/db.py)
    path("", replica_view(dashboard.dashboard), name="dashboard"),
    path("export/<slug:table>.<str:fmt>", replica_view(dashboard.export), name="export"),
    path("time/", replica_view(time.time_report_page), name="time"),
    path("time/export/<slug:group>.<str:fmt>", replica_view(time.time_report_export), name="time-export"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:pk>/file/", reviews.review_file, name="review-file"),
    path("archive/organisations/<int:pk>/", archive.organisation_archive, name="archive-organisation"),
    path(
        "archive/organisations/<int:pk>/export.<str:fmt>",
        archive.organisation_export,
        name="archive-organisation-export",
    ),
    path("archive/projects/<int:pk>/", archive.project_archive, name="archive-project"),
    path("archive/projects/<int:pk>/export.<str:fmt>", archive.project_export, name="archive-project-export"),
]
