"""A paginated list that also answers totals over the whole list (not only the page): time
entries with their minutes in all. The view sets ``totals`` on the paginator before paging."""

from typing import Any

from rest_framework.response import Response

from core.api import Pagination


class TotalsPagination(Pagination):
    totals: dict[str, int]
    total_fields: tuple[str, ...] = ()
    total_help: dict[str, str] = {}

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data.update(getattr(self, "totals", {}))
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        for name in self.total_fields:
            paginated["properties"][name] = {
                "type": "integer",
                "description": self.total_help.get(name, ""),
            }
            paginated["required"] = [*paginated.get("required", []), name]
        return paginated


class TimeTotalsPagination(TotalsPagination):
    total_fields = ("total_minutes", "billable_minutes", "non_billable_minutes")
    total_help = {
        "total_minutes": "Minutes of every entry of the list, all pages.",
        "billable_minutes": "Minutes of the billable entries, all pages.",
        "non_billable_minutes": "Minutes of the entries that are not billable, all pages.",
    }
