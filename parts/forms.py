"""Forms of the parts pages. They parse and check input; the services decide and write."""

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from customers.models import InstalledProduct
from parts.models import Movement, Part, Rma, StockLocation
from parts.services import RMA_NEXT
from parts.services.common import incident_model
from tickets.models import Ticket


class AssetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InstalledProduct) -> str:
        serial = f" ({obj.serial_number})" if obj.serial_number else ""
        return f"{obj.project.name}: {obj}{serial}"


def _find(model: type[Model], value: str) -> Model | None:
    """A ticket or incident by its reference (SD-2026-000042) or its number."""
    value = value.strip()
    if not value:
        return None
    found = model.objects.filter(reference__iexact=value).first()
    if found is None and value.isdigit():
        found = model.objects.filter(pk=int(value)).first()
    if found is None:
        raise forms.ValidationError(_("No such reference: %(value)s.") % {"value": value})
    return found


def _assets(ticket: Ticket | None):
    assets = InstalledProduct.objects.select_related("project").order_by("project__name", "name", "pk")
    return assets.filter(project_id=ticket.project_id) if ticket is not None else assets


class WorkFields(forms.Form):
    """The ticket (by reference) and the asset that a movement or a return names."""

    ticket = forms.CharField(label=_("Ticket"), max_length=40, required=False, help_text=_("Its reference."))
    asset = AssetChoiceField(label=_("Asset"), queryset=InstalledProduct.objects.none(), required=False)

    def __init__(self, *args: Any, ticket: Ticket | None = None, **kwargs: Any) -> None:
        if ticket is not None:
            kwargs.setdefault("initial", {}).update(ticket=ticket.reference, asset=ticket.asset_id)
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = _assets(ticket)

    def clean_ticket(self) -> Ticket | None:
        return _find(Ticket, self.cleaned_data.get("ticket") or "")


class MovementForm(WorkFields):
    kind = forms.ChoiceField(label=_("Movement"), choices=Movement.Kind.choices)
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000, initial=1)
    from_location = forms.ModelChoiceField(
        label=_("From"), queryset=StockLocation.objects.filter(is_active=True), required=False
    )
    to_location = forms.ModelChoiceField(
        label=_("To"), queryset=StockLocation.objects.filter(is_active=True), required=False
    )
    incident = forms.CharField(label=_("Incident"), max_length=40, required=False, help_text=_("Its reference."))
    serial_numbers = forms.CharField(label=_("Serial numbers"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    field_order = [
        "kind",
        "part",
        "quantity",
        "from_location",
        "to_location",
        "ticket",
        "incident",
        "asset",
        "serial_numbers",
        "note",
    ]

    def __init__(self, *args: Any, ticket: Ticket | None = None, **kwargs: Any) -> None:
        if ticket is not None:
            kwargs.setdefault("initial", {}).setdefault("kind", Movement.Kind.RESERVE)
        super().__init__(*args, ticket=ticket, **kwargs)
        # the release of a reservation has its own button, beside the reservation
        self.fields["kind"].choices = [c for c in Movement.Kind.choices if c[0] != Movement.Kind.RELEASE]

    def clean_incident(self) -> Model | None:
        return _find(incident_model(), self.cleaned_data.get("incident") or "")


class RmaForm(WorkFields):
    part = forms.ModelChoiceField(label=_("Part"), queryset=Part.objects.all())
    serial_number = forms.CharField(label=_("Serial number taken out"), max_length=120, required=False)
    fault = forms.CharField(label=_("Fault"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    supplier_reference = forms.CharField(label=_("Supplier's reference"), max_length=120, required=False)

    field_order = ["part", "serial_number", "ticket", "asset", "fault", "supplier_reference"]


class RmaTransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New state"), choices=())
    supplier_reference = forms.CharField(label=_("Supplier's reference"), max_length=120, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, rma: Rma, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(state, Rma.State(state).label) for state in RMA_NEXT[rma.state]]
