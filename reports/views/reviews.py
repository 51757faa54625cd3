"""Placeholder: written by a helper."""

from django.http import HttpResponse


def review_list(request):
    return HttpResponse("reviews")


def review_file(request, pk):
    return HttpResponse("file")
