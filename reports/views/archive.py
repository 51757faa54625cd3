"""Placeholder: written by a helper."""

from django.http import HttpResponse


def organisation_archive(request, pk):
    return HttpResponse("archive")


def organisation_export(request, pk, fmt):
    return HttpResponse("export")


def project_archive(request, pk):
    return HttpResponse("archive")


def project_export(request, pk, fmt):
    return HttpResponse("export")
