"""Serializer fields built once per class.

DRF's ``ModelSerializer`` builds its fields from the model for every instance it makes: the
model's metadata walked, a field class chosen and its keyword arguments worked out for each
column. For a wide model that is most of what one serializer costs (about 2 ms of the ticket's
35 fields). ``FieldsBuiltOnce`` builds them the first time and gives every instance its own deep
copy, as DRF itself does with the fields declared on the class: nothing is shared between
instances, and the result is the same, since the fields depend on the class only.
"""

import copy


class FieldsBuiltOnce:
    # Mix into a ``ModelSerializer`` whose ``get_fields`` depends on its class only (not on the
    # instance, the context or the request), before the serializer class. No docstring: the API
    # schema describes a serializer by the first docstring of its classes.

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built  # a subclass builds its own: read through __dict__
        return copy.deepcopy(built)
