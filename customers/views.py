"""Pages: organisations and delivered projects, each user within their scope."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from customers import selectors


@login_required
def organisation_list(request):
    if request.user.is_customer:
        return redirect("customers:organisation_detail", pk=request.user.organisation_id)
    organisations = selectors.organisation_list(user=request.user).order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        organisations = organisations.filter(name__icontains=query) | organisations.filter(code__icontains=query)
    page = Paginator(organisations, 50).get_page(request.GET.get("page"))
    return render(request, "customers/organisation_list.html", {"page": page, "query": query})


@login_required
def organisation_detail(request, pk: int):
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    context = {
        "organisation": organisation,
        "projects": selectors.project_list(user=request.user).filter(organisation=organisation),
        "contacts": selectors.contact_list(organisation=organisation),
    }
    return render(request, "customers/organisation_detail.html", context)


@login_required
def project_list(request):
    projects = selectors.project_list(user=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        projects = projects.filter(name__icontains=query) | projects.filter(code__icontains=query)
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    return render(request, "customers/project_list.html", {"page": page, "query": query})


@login_required
def project_detail(request, pk: int):
    project = selectors.project_get(user=request.user, pk=pk)
    history = None
    if request.user.is_staff_member:
        history = project.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "customers/project_detail.html", {"project": project, "history": history})
