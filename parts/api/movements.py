"""API: /api/v1/part-movements/ (staff: read, and POST a movement through the service) and
/api/v1/tickets/<id>/parts/ (the parts used on a ticket, for whoever may see the ticket)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffMember
from core.api import user_name
from core.api_input import StrictCharField, StrictIntegerField, StrictPrimaryKeyRelatedField
from core.filters import StrictFilterSet
from customers.models import InstalledProduct
from parts import selectors, services
from parts.models import Movement, Part, Reservation, StockLocation
from parts.services.common import incident_model
from tickets.models import Ticket
from tickets.selectors import ticket_get


class MovementOutput(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True, default=None, allow_null=True)
    incident_reference = serializers.CharField(
        source="incident.reference", read_only=True, default=None, allow_null=True
    )
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = Movement
        fields = [
            "id",
            "kind",
            "part",
            "part_number",
            "part_name",
            "quantity",
            "from_location",
            "to_location",
            "ticket",
            "ticket_reference",
            "incident",
            "incident_reference",
            "asset",
            "reservation",
            "serial_numbers",
            "note",
            "actor",
            "actor_name",
            "at",
        ]

    def get_actor_name(self, movement) -> str | None:
        return user_name(movement.actor)


class MovementInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Movement.Kind.choices)
    part = StrictPrimaryKeyRelatedField(queryset=Part.objects.all(), required=False, help_text="release: not needed.")
    quantity = StrictIntegerField(min_value=1, max_value=100_000)
    from_location = StrictPrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(),
        required=False,
        allow_null=True,
        help_text="reserve, issue, transfer, write_off: where the parts come from.",
    )
    to_location = StrictPrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(),
        required=False,
        allow_null=True,
        help_text="receive, return, transfer: where the parts go.",
    )
    ticket = StrictPrimaryKeyRelatedField(queryset=Ticket.objects.all(), required=False, allow_null=True)
    incident = StrictPrimaryKeyRelatedField(queryset=incident_model().objects.all(), required=False, allow_null=True)
    asset = StrictPrimaryKeyRelatedField(queryset=InstalledProduct.objects.all(), required=False, allow_null=True)
    reservation = StrictPrimaryKeyRelatedField(
        queryset=Reservation.objects.all(), required=False, allow_null=True, help_text="release: the reservation."
    )
    serial_numbers = StrictCharField(max_length=500, required=False, allow_blank=True)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)

    def validate(self, data):
        if data["kind"] == Movement.Kind.RELEASE:
            if data.get("reservation") is None:
                raise serializers.ValidationError({"reservation": ["Say which reservation to release."]})
            data["part"] = data["reservation"].part
        elif data.get("part") is None:
            raise serializers.ValidationError({"part": ["This field is required."]})
        return data


class MovementFilter(StrictFilterSet):
    class Meta:
        model = Movement
        fields = ["kind", "part", "from_location", "to_location", "ticket", "incident", "asset"]


@extend_schema(tags=["parts"])
class MovementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Stock movements, newest first (staff). POST records one: receive, reserve, release,
    issue, return, transfer or write_off; a movement that would take stock below zero is a 400."""

    permission_classes = [IsStaffMember]
    serializer_class = MovementOutput
    filterset_class = MovementFilter

    def get_queryset(self):
        return selectors.movement_list()

    @extend_schema(request=MovementInput, responses={201: MovementOutput})
    def create(self, request):
        data = MovementInput(data=request.data)
        data.is_valid(raise_exception=True)
        movement = services.movement_record(actor=request.user, **data.validated_data)
        movement = self.get_queryset().get(pk=movement.pk)
        return Response(MovementOutput(movement).data, status=status.HTTP_201_CREATED)


class TicketPartOutput(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)

    class Meta:
        model = Movement
        fields = ["id", "kind", "part", "part_number", "part_name", "quantity", "serial_numbers", "at"]


@extend_schema(tags=["parts"])
class TicketPartsView(APIView):
    """The parts of a ticket: customers see the parts issued to their ticket (and any returned
    unused); staff every movement (reserve and release too). Another organisation's ticket is
    not found."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TicketPartOutput(many=True)})
    def get(self, request, ticket_id: int):
        ticket = ticket_get(user=request.user, pk=ticket_id)
        movements = selectors.ticket_parts(ticket_id=ticket.pk, user=request.user)
        return Response(TicketPartOutput(movements, many=True).data)
