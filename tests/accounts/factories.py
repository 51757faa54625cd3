import factory

from accounts.models import Team, User

PASSWORD = "Correct-Horse-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.ENGINEER
    password = factory.django.Password(PASSWORD)


class CustomerFactory(UserFactory):
    role = User.Role.CUSTOMER
    organisation = factory.SubFactory("tests.customers.factories.OrganisationFactory")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = Team.Kind.SUPPORT


def feed_key(url: str) -> str:
    """The key of a calendar feed's link (``…/calendar/<key>.ics``)."""
    return url.rsplit("/", 1)[1].removesuffix(".ics")
