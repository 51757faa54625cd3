"""API: /api/v1/rmas/ (staff): returns of faulty parts, opened and moved on through the
services (``POST /api/v1/rmas/<id>/transition/``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsStaffMember
from core.api import user_name
from core.api_input import StrictCharField, StrictPrimaryKeyRelatedField
from core.filters import StrictFilterSet
from customers.models import InstalledProduct
from parts import selectors, services
from parts.models import Part, Rma, RmaEvent
from tickets.models import Ticket


class RmaEventOutput(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RmaEvent
        fields = ["at", "from_state", "to_state", "actor", "actor_name", "note"]

    def get_actor_name(self, event) -> str | None:
        return user_name(event.actor)


class RmaOutput(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True, default=None, allow_null=True)
    serial_number_of_asset = serializers.CharField(
        source="asset.serial_number", read_only=True, default=None, allow_null=True
    )
    events = RmaEventOutput(many=True, read_only=True, help_text="The history, oldest first.")

    class Meta:
        model = Rma
        fields = [
            "id",
            "reference",
            "part",
            "part_number",
            "serial_number",
            "asset",
            "serial_number_of_asset",
            "ticket",
            "ticket_reference",
            "state",
            "supplier_reference",
            "fault",
            "events",
            "created_at",
            "updated_at",
        ]


class RmaInput(serializers.Serializer):
    part = StrictPrimaryKeyRelatedField(queryset=Part.objects.all())
    serial_number = StrictCharField(max_length=120, required=False, allow_blank=True)
    asset = StrictPrimaryKeyRelatedField(queryset=InstalledProduct.objects.all(), required=False, allow_null=True)
    ticket = StrictPrimaryKeyRelatedField(queryset=Ticket.objects.all(), required=False, allow_null=True)
    fault = StrictCharField(required=False, allow_blank=True, max_length=5000)
    supplier_reference = StrictCharField(max_length=120, required=False, allow_blank=True)


class RmaTransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=Rma.State.choices,
        help_text="awaiting_return → received or scrapped; received → repaired, replaced or scrapped.",
    )
    note = StrictCharField(max_length=500, required=False, allow_blank=True)
    supplier_reference = StrictCharField(max_length=120, required=False, allow_blank=True)


class RmaFilter(StrictFilterSet):
    class Meta:
        model = Rma
        fields = ["state", "part", "ticket", "asset"]


@extend_schema(tags=["parts"])
class RmaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Returns of faulty parts (staff): the part and serial taken out, the asset, the ticket,
    the state and the supplier's reference, with the history."""

    permission_classes = [IsStaffMember]
    serializer_class = RmaOutput
    filterset_class = RmaFilter

    def get_queryset(self):
        return selectors.rma_list().prefetch_related("events__actor")

    @extend_schema(request=RmaInput, responses={201: RmaOutput})
    def create(self, request):
        data = RmaInput(data=request.data)
        data.is_valid(raise_exception=True)
        rma = services.rma_open(actor=request.user, **data.validated_data)
        return Response(RmaOutput(self.get_queryset().get(pk=rma.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RmaTransitionInput, responses={200: RmaOutput})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the return on; out of order is a 400 and nothing changes."""
        rma = self.get_object()
        data = RmaTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.rma_transition(rma_id=rma.pk, actor=request.user, **data.validated_data)
        return Response(RmaOutput(self.get_queryset().get(pk=rma.pk)).data)
