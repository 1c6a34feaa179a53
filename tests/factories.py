import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from sman.models import Membership, MembershipRequest, Organisation, Territory, User
from sman.permissions import forget_access
from sman.services import role_grant


class _Roles(factory.declarations.PostGenerationDeclaration):
    """The roles of a created user, granted through the service: ``reviewer=True``, ``copil=True``, and any
    other with ``roles=["app.role", …]``."""

    PARAMS = {"reviewer": "fmin.reviewer", "copil": "actions.copil_member"}

    def call(self, instance, step, context):
        if step.builder.strategy != factory.enums.CREATE_STRATEGY:
            return
        roles = [role for param, role in self.PARAMS.items() if getattr(step.stub, param)]
        for role in [*roles, *(context.value or ())]:
            role_grant(user=instance, role=role, by=None)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("mot-de-passe-de-test")

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)
        reviewer = False  # holds the role fmin.reviewer
        copil = False  # holds the role actions.copil_member

    # Declared before ``mfa``, which asks whether a role requires a TOTP device.
    roles = _Roles()

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Users whose role needs MFA get a TOTP device unless ``mfa=False``."""
        if create and obj.requires_mfa and extracted is not False:
            TOTP.activate(obj, generate_totp_secret())
        forget_access(obj)  # memberships added by the test after creation are seen by its first check


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.DIGITAL_ACTOR
    name = factory.Sequence(lambda n: f"Structure {n}")
    slug = factory.Sequence(lambda n: f"structure-{n}")
    territory = factory.LazyFunction(lambda: Territory.objects.get(code="93048"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER


class MembershipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipRequest

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "Chargée de mission numérique"
