"""Placeholder: written by a helper (the reports API)."""

from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet


class SLAReportView(APIView):
    def get(self, request):
        return Response({})


class DashboardReportView(APIView):
    def get(self, request):
        return Response({})


class ArchiveView(APIView):
    def get(self, request):
        return Response({})


class QualityReviewViewSet(GenericViewSet):
    pass
