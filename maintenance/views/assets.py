"""Pages: the assets (installed products, by serial number) with their warranty status, and one
asset's page with its service history. Staff see every asset, a customer its organisation's."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.pages import page_of
from core.time import desk_today
from customers.asset_history import asset_history
from customers.selectors import asset_get, asset_list, project_filter
from maintenance import coverage


def _with_warranty(assets, today):
    found = coverage.asset_warranties(assets, today)
    for asset in assets:
        asset.warranty_found = found[asset.pk]
        asset.warranty_label = coverage.STATUS_LABELS.get(asset.warranty_found.status, "")
    return assets


@login_required
def asset_list_page(request: HttpRequest) -> HttpResponse:
    """``?q=`` a serial number (exact, any letter case) or a part of it or of the product's name;
    ``?project=`` one project's."""
    project = project_filter(request)
    query = request.GET.get("q", "").strip()
    assets = asset_list(user=request.user, project_id=project.pk if project else None)
    if query:
        exact = assets.filter(serial_number__iexact=query)
        assets = (
            exact
            if exact.exists()
            else assets.filter(serial_number__icontains=query) | assets.filter(name__icontains=query)
        )
    page, params = page_of(request, assets)
    page.object_list = _with_warranty(list(page.object_list), desk_today())
    context = {"page": page, "params": params, "project": project, "query": query}
    return render(request, "maintenance/asset_list.html", context)


@login_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_get(user=request.user, pk=pk)
    _with_warranty([asset], desk_today())
    context = {"asset": asset, "history": asset_history(asset=asset, user=request.user)}
    return render(request, "maintenance/asset_detail.html", context)
