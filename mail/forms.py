"""Forms of the triage page. They parse and check input; the services in mail/services.py decide
and write (a reporter outside the project's organisation, an email handled already)."""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.models import Project
from tickets.models import Priority, Ticket


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} <{obj.email}> · {obj.organisation.name}" if obj.email else f"{name} · {obj.organisation.name}"


class OpenTicketForm(forms.Form):
    """File the email as a ticket: the project, its reporter (a contact of the project's
    organisation; choosing a project narrows the list, by htmx) and the priority."""

    project = forms.ModelChoiceField(label=_("Delivered project"), queryset=Project.objects.none())
    reporter = ContactChoiceField(label=_("Reporter"), queryset=User.objects.none())
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    def __init__(self, *args: Any, inbound_id: int, project: Project | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = Project.objects.filter(is_active=True).select_related("organisation")
        self.fields["project"].queryset = projects.order_by("organisation__name", "name")
        self.fields["project"].label_from_instance = lambda p: f"{p.organisation.name} · {p.name}"
        contacts = User.objects.filter(is_active=True, role=User.Role.CUSTOMER).select_related("organisation")
        if project is not None:
            contacts = contacts.filter(organisation_id=project.organisation_id)
        self.fields["reporter"].queryset = contacts.order_by("organisation__name", "first_name", "last_name", "pk")
        self.fields["project"].widget.attrs.update(
            {
                # choosing a project narrows the reporters to its organisation's contacts
                "hx-get": reverse("mail:detail", args=[inbound_id]),
                "hx-target": "#div_id_reporter",
                "hx-select": "#div_id_reporter",
                "hx-swap": "outerHTML",
                "hx-include": "#open-ticket-form [name=reporter]",
            }
        )


class TicketReferenceField(forms.CharField):
    """A ticket by its reference (SD-2026-000123), any case."""

    def clean(self, value: Any) -> Ticket | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        ticket = Ticket.objects.filter(reference__iexact=text).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket has this reference."))
        return ticket


class AddToTicketForm(forms.Form):
    ticket = TicketReferenceField(
        label=_("Ticket"), max_length=40, help_text=_("Its reference, for example SD-2026-000123.")
    )
