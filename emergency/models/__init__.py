"""The emergency plan: the liaison rota, the risk register, grades and their response plans,
and incidents with their timeline, resources, dispatches and post-incident review.

The groups themselves (leadership, technical, liaisons) are ``accounts.Team`` rows of a fixed
kind, their members' roles ``TeamMembership.position``.
"""

from emergency.models.incidents import (
    Incident,
    IncidentCounter,
    IncidentDispatch,
    IncidentEntry,
    IncidentEscalationFire,
    IncidentResource,
    ReviewAction,
)
from emergency.models.links import IncidentTicketLink
from emergency.models.plans import GRADE_ORDER, Grade, GradingRule, Level, PlanResource, ResourceKind, ResponsePlan
from emergency.models.risks import Risk
from emergency.models.rotas import Rota, RotaMember, RotaOverride
from emergency.models.time import IncidentTimeEntry

__all__ = [
    "GRADE_ORDER",
    "Grade",
    "GradingRule",
    "Incident",
    "IncidentCounter",
    "IncidentDispatch",
    "IncidentEntry",
    "IncidentEscalationFire",
    "IncidentResource",
    "IncidentTicketLink",
    "IncidentTimeEntry",
    "Level",
    "PlanResource",
    "ResourceKind",
    "ResponsePlan",
    "ReviewAction",
    "Risk",
    "Rota",
    "RotaMember",
    "RotaOverride",
]
