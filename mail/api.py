"""The email intake's API (work in progress: the API helper writes it)."""

from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated

from mail.models import InboundMessage


class InboundEmailViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    queryset = InboundMessage.objects.none()
