"""Placeholder: written by a helper."""

from django.http import HttpResponse


def dashboard(request):
    return HttpResponse("dashboard")


def export(request, table, fmt):
    return HttpResponse("export")
