"""Serializers that represent an instance through a plan made once per serializer.

DRF represents an instance field by field through each field's generic ``get_attribute`` (the
source walked, callables called, pk-only objects made for relations), for every instance: for a
page of 50 tickets that was a third of the serialisation. ``RepresentationPlanned`` decides once
per serializer (once per list: a list has one child) how each field is read, and gives the same
output as DRF's.
"""

from operator import attrgetter, itemgetter

from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, PrimaryKeyRelatedField


def _same(value):
    return value


class RepresentationPlanned:
    # Mix into a ``ModelSerializer``, or a plain ``Serializer`` of dictionaries, before it. A
    # concrete column is read with ``getattr``, a primary-key relation from its ``<name>_id``
    # column (what DRF's pk-only optimisation reads), a plain serializer's field by its key;
    # anything else (dotted sources, method fields, properties) through the field's own
    # ``get_attribute``. Every value goes through the field's own ``to_representation`` and
    # ``None`` stays ``None``, as in DRF. No docstring: the API schema describes a serializer by
    # the first docstring of its classes.

    def _representation_plan(self) -> list:
        plan = self.__dict__.get("_plan")
        if plan is not None:
            return plan
        model = getattr(getattr(self, "Meta", None), "model", None)
        columns = {field.name: field for field in model._meta.concrete_fields} if model is not None else {}
        plan = []
        for field in self._readable_fields:
            if model is None and len(field.source_attrs) == 1:
                plan.append((field.field_name, itemgetter(field.source), field.to_representation))
                continue
            column = columns.get(field.source) if len(field.source_attrs) == 1 else None
            if column is not None and column.is_relation:
                if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
                    plan.append((field.field_name, attrgetter(column.attname), _same))
                    continue
            elif column is not None:
                plan.append((field.field_name, attrgetter(column.attname), field.to_representation))
                continue

            def read(instance, field=field):
                attribute = field.get_attribute(instance)
                return None if isinstance(attribute, PKOnlyObject) and attribute.pk is None else attribute

            plan.append((field.field_name, read, field.to_representation))
        self._plan = plan
        return plan

    def to_representation(self, instance) -> dict:
        row = {}
        for name, read, represent in self._representation_plan():
            try:
                value = read(instance)
            except SkipField:
                continue
            row[name] = None if value is None else represent(value)
        return row
