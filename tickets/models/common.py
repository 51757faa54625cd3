"""The choices every part of a ticket shares: priorities and SLA metrics."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    ONSITE_ARRIVAL = "onsite_arrival", _("On-site arrival")
    UPDATE = "update", _("Update")
