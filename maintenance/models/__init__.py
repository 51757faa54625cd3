"""Warranty and service contracts, the coverage of fault tickets, preventive maintenance
(inspection schedules and visits, ad hoc health checks), return visits and satisfaction
surveys, products with their releases and the upgrade notices they send to projects.

See docs/warranty.md and docs/maintenance.md for the rules these rows follow.
"""

from maintenance.models.inspections import (
    AnswerKind,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionQuerySet,
    InspectionSchedule,
    Section,
    photo_path,
)
from maintenance.models.releases import Product, Release, UpgradeNotice
from maintenance.models.visits import ReturnVisit, ReturnVisitQuerySet, ReturnVisitSchedule, SurveyInvitation
from maintenance.models.warranties import (
    BillableItem,
    Cause,
    Coverage,
    Decision,
    Service,
    ServiceContract,
    Terms,
    Warranty,
    WarrantyTerms,
    default_covered_causes,
    default_services,
)

__all__ = [
    "AnswerKind",
    "BillableItem",
    "Cause",
    "ChecklistItem",
    "ChecklistTemplate",
    "Coverage",
    "Decision",
    "Inspection",
    "InspectionAnswer",
    "InspectionPhoto",
    "InspectionQuerySet",
    "InspectionSchedule",
    "Product",
    "Release",
    "ReturnVisit",
    "ReturnVisitQuerySet",
    "ReturnVisitSchedule",
    "Section",
    "Service",
    "ServiceContract",
    "SurveyInvitation",
    "Terms",
    "UpgradeNotice",
    "Warranty",
    "WarrantyTerms",
    "default_covered_causes",
    "default_services",
    "photo_path",
]
