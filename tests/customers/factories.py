import datetime

import factory

from customers.models import InstalledProduct, Organisation, Project


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    code = factory.Sequence(lambda n: f"org-{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    code = factory.Sequence(lambda n: f"prj-{n}")
    final_acceptance_date = datetime.date(2025, 6, 30)


class InstalledProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstalledProduct

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    version = "1.0"
