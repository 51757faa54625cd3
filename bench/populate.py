"""Adds generated organisations and projects (with products) for the benchmarks; idempotent.

python bench/populate.py 200      # at least 200 projects in all
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

import django

django.setup()

from customers import services  # noqa: E402
from customers.models import Organisation, Project  # noqa: E402


def main(wanted: int) -> None:
    existing = Project.objects.count()
    for number in range(existing, wanted):
        organisation, _ = Organisation.objects.get_or_create(
            code=f"gen-org-{number // 4}", defaults={"name": f"Generated organisation {number // 4}"}
        )
        services.project_create(
            actor=None,
            organisation=organisation,
            code=f"gen-prj-{number}",
            name=f"Generated project {number}",
            products=[{"name": f"Product {n}", "version": f"{n}.0"} for n in range(3)],
        )
    print(f"{Project.objects.count()} projects")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
