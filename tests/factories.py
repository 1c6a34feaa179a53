"""factory_boy factories of every app's main objects, with a ``factory.Trait`` per state (STYLE.md §9).

The reference data (communes, their collectivities, the six challenges) is loaded once per test session
(tests/conftest.py): factories point at it rather than create territories."""

from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone

from sman.models import Challenge, Membership, MembershipRequest, Organisation, Territory, User
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


# --- Shared places ---------------------------------------------------------------------------------------
def territory(code: str) -> Territory:
    return Territory.objects.get(code=code)


def collectivity_of(code: str) -> Organisation:
    """The collectivity of a commune or an EPT of the reference data (93048: Montreuil, T8: Est Ensemble)."""
    return Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)


def _days(n: int):
    return factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=n))


_NOW = factory.LazyFunction(timezone.now)


# --- FMIN: calls and applications ------------------------------------------------------------------------
class CallFactory(factory.django.DjangoModelFactory):
    """An open, published call with the six criteria of the SMAN. Traits: ``closed``, ``unpublished``."""

    class Meta:
        model = "fmin.Call"
        skip_postgeneration_save = True

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    title = factory.Sequence(lambda n: f"FMIN — session {n}")
    opens_on = _days(-10)
    closes_on = _days(30)
    is_published = True

    class Params:
        closed = factory.Trait(opens_on=_days(-90), closes_on=_days(-10))
        unpublished = factory.Trait(is_published=False)

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from fmin.services import criteria_add_defaults

            criteria_add_defaults(call=obj)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fmin.Participant"

    application = factory.SubFactory("tests.factories.ApplicationFactory")
    organisation = factory.LazyFunction(lambda: collectivity_of("93055"))  # Pantin
    is_lead = False
    cost_share_cents = 5_000_000
    request_cents = 2_000_000
    confirmed_at = _NOW


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fmin.Decision"

    application = factory.SubFactory("tests.factories.ApplicationFactory")
    outcome = "funded"
    amount_cents = 4_000_000
    reason = "Projet retenu par le comité de sélection."
    decided_by = factory.SubFactory(UserFactory)


_CHECKED = factory.LazyFunction(lambda: dict.fromkeys(_eligibility_codes(), True))


def _eligibility_codes():
    from fmin.services import ELIGIBILITY_ITEMS

    return [code for code, _ in ELIGIBILITY_ITEMS]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft of Montreuil in an open call, Montreuil as its confirmed lead, run in Montreuil.

    Traits, one per state: ``submitted``, ``corrections``, ``eligible``, ``ineligible``, ``funded`` (with its
    decision, 40 000 €), ``refused`` (with its decision), ``withdrawn``. ``co_applicants=[organisation, …]``
    adds confirmed co-applicants; ``territories`` and ``challenges`` replace the defaults."""

    class Meta:
        model = "fmin.Application"
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    lead = factory.LazyFunction(lambda: collectivity_of("93048"))
    title = factory.Sequence(lambda n: f"Dossier {n:03d}")
    theme = "citizen_relations"
    summary = "Rendez-vous en ligne pour l'état civil."
    commits_to_evaluate = True
    created_by = factory.SubFactory(UserFactory)
    lead_participant = factory.RelatedFactory(
        ParticipantFactory,
        factory_related_name="application",
        organisation=factory.SelfAttribute("..lead"),
        is_lead=True,
        cost_share_cents=10_000_000,
        request_cents=4_000_000,
    )

    class Params:
        submitted = factory.Trait(status="submitted", submitted_at=_NOW)
        corrections = factory.Trait(status="corrections", submitted_at=_NOW)
        eligible = factory.Trait(status="eligible", submitted_at=_NOW, eligibility_checklist=_CHECKED)
        ineligible = factory.Trait(status="ineligible", submitted_at=_NOW, eligibility_note="Hors du champ de l'appel.")
        funded = factory.Trait(
            status="funded",
            submitted_at=_NOW,
            eligibility_checklist=_CHECKED,
            decision=factory.RelatedFactory(DecisionFactory, factory_related_name="application"),
        )
        refused = factory.Trait(
            status="refused",
            submitted_at=_NOW,
            eligibility_checklist=_CHECKED,
            decision=factory.RelatedFactory(
                DecisionFactory, factory_related_name="application", outcome="refused", amount_cents=0
            ),
        )
        withdrawn = factory.Trait(status="withdrawn")

    @factory.post_generation
    def territories(obj, create, extracted, **kwargs):
        if create:
            obj.territories.set(extracted if extracted is not None else [obj.lead.territory])

    @factory.post_generation
    def challenges(obj, create, extracted, **kwargs):
        if create:
            obj.challenges.set(extracted if extracted is not None else Challenge.objects.filter(number=4))

    @factory.post_generation
    def co_applicants(obj, create, extracted, **kwargs):
        for organisation in (extracted or []) if create else []:
            ParticipantFactory(application=obj, organisation=organisation)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A reviewer's assignment to an eligible file. Trait: ``submitted`` (their scores handed in)."""

    class Meta:
        model = "fmin.Assignment"

    application = factory.SubFactory(ApplicationFactory, eligible=True)
    reviewer = factory.SubFactory(UserFactory, reviewer=True)
    assigned_by = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(submitted_at=_NOW)


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fmin.WorkingGroup"

    name = factory.Sequence(lambda n: f"Groupe de travail {n}")
    slug = factory.Sequence(lambda n: f"groupe-{n}")
    theme = "citizen_relations"
    description = "Un groupe des Bâtisseurs du numérique."
    charter = "Convention du groupe."


# --- Pass Numérique: places, trainings, orders, booklets, tickets, statements -------------------------------
class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "passnumerique.Training"

    title = factory.Sequence(lambda n: f"Formation {n}")
    theme = "Découverte"
    duration_hours = Decimal(1)


class MediationPlaceFactory(factory.django.DjangoModelFactory):
    """An APTIC-labelled place in Montreuil. Traits: ``unlabelled``, ``label_expired``; ``trainings=[…]``."""

    class Meta:
        model = "passnumerique.MediationPlace"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(
        OrganisationFactory,
        kind=Organisation.Kind.MEDIATION_PLACE,
        name=factory.Sequence(lambda n: f"Lieu de médiation {n}"),
        slug=factory.Sequence(lambda n: f"lieu-{n}"),
    )
    place_type = "association"
    aptic_label = True
    location = factory.LazyFunction(lambda: Point(2.44, 48.86, srid=4326))

    class Params:
        unlabelled = factory.Trait(aptic_label=False)
        label_expired = factory.Trait(label_valid_until=_days(-1))

    @factory.post_generation
    def trainings(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.trainings.set(extracted)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "passnumerique.Beneficiary"

    reference = factory.Sequence(lambda n: f"BEN-{n:06d}")
    age_band = "65-79"
    territory = factory.LazyFunction(lambda: territory("93048"))
    target_public = "all"


class OrderFactory(factory.django.DjangoModelFactory):
    """A funder's order for Est Ensemble (T8), valid for a year, its booklets and tickets created
    (``booklets=False``: none). Traits: ``aptic`` (codes imported from #APTIC), ``expired`` (past its
    grace period)."""

    class Meta:
        model = "passnumerique.Order"
        skip_postgeneration_save = True

    funder = factory.SubFactory(
        OrganisationFactory, kind=Organisation.Kind.FUNDER, name=factory.Sequence(lambda n: f"Financeur {n}")
    )
    reference = factory.Sequence(lambda n: f"PN-ESSAI-{n:05d}")
    booklet_count = 2
    tickets_per_booklet = 5
    face_value_cents = 1000
    territory = factory.LazyFunction(lambda: territory("T8"))
    valid_until = _days(365)

    class Params:
        aptic = factory.Trait(source="aptic")
        expired = factory.Trait(valid_until=_days(-60), grace_days=31)

    @factory.post_generation
    def booklets(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            for number in range(1, obj.booklet_count + 1):
                BookletFactory(order=obj, number=number, **kwargs)


class BookletFactory(factory.django.DjangoModelFactory):
    """A booklet and its tickets, not handed out yet (``ordered``). Trait: ``distributed`` (handed to a
    beneficiary by Montreuil); ``tickets=False``: no tickets."""

    class Meta:
        model = "passnumerique.Booklet"
        skip_postgeneration_save = True

    order = factory.SubFactory(OrderFactory, booklets=False)
    number = factory.LazyAttribute(lambda booklet: booklet.order.booklets.count() + 1)
    code = factory.Sequence(lambda n: f"CARNET-{n:06d}")

    class Params:
        distributed = factory.Trait(
            distributed_at=_NOW,
            distributor=factory.LazyFunction(lambda: collectivity_of("93048")),
            beneficiary=factory.SubFactory(BeneficiaryFactory),
        )

    @factory.post_generation
    def tickets(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            for _ in range(obj.order.tickets_per_booklet):
                TicketFactory(booklet=obj, value_cents=obj.order.face_value_cents)


class TicketFactory(factory.django.DjangoModelFactory):
    """An unused ticket of a booklet not handed out. Trait: ``redeemed`` (its booklet handed out, the ticket
    validated in a place)."""

    class Meta:
        model = "passnumerique.Ticket"
        skip_postgeneration_save = True

    booklet = factory.SubFactory(BookletFactory, tickets=False)
    code = factory.Sequence(lambda n: f"TICKET-{n:06d}")
    value_cents = factory.SelfAttribute("booklet.order.face_value_cents")

    class Params:
        redeemed = factory.Trait(
            booklet=factory.SubFactory(BookletFactory, tickets=False, distributed=True),
            redemption=factory.RelatedFactory("tests.factories.RedemptionFactory", factory_related_name="ticket"),
        )


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "passnumerique.Redemption"

    ticket = factory.SubFactory(TicketFactory, booklet=factory.SubFactory(BookletFactory, distributed=True))
    place = factory.SubFactory(MediationPlaceFactory)
    training = factory.SubFactory(TrainingFactory)
    agent = factory.SubFactory(UserFactory)
    redeemed_at = _NOW
    hours = Decimal(1)


class StatementFactory(factory.django.DjangoModelFactory):
    """Last month's statement of a place, to pay. Trait: ``paid``."""

    class Meta:
        model = "passnumerique.Statement"

    place = factory.SubFactory(MediationPlaceFactory)
    month = factory.LazyFunction(lambda: (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1))
    ticket_count = 3
    amount_cents = 3000

    class Params:
        paid = factory.Trait(status="paid", paid_at=_NOW)


# --- FttH imports ----------------------------------------------------------------------------------------
class ImportRunFactory(factory.django.DjangoModelFactory):
    """An operator's IPE file waiting for the worker (``pending``). Traits, one per state: ``running``,
    ``done``, ``failed`` (can be retried), ``refused``, ``awaiting_confirmation`` (would retire half of the
    operator's buildings), ``cancelled``."""

    class Meta:
        model = "ftth.ImportRun"

    operator_code = "OI-ESSAI"
    file_name = factory.Sequence(lambda n: f"ipe-{n}.csv")
    file_format = "ipe"
    max_rejected_share = 0.05
    task_name = "ftth.tasks.import_file"
    task_args = factory.LazyAttribute(lambda run: [0, f"/tmp/{run.file_name}"])

    class Params:
        pending = factory.Trait(state="pending")
        running = factory.Trait(state="running", started_at=_NOW, heartbeat_at=_NOW, attempts=1)
        done = factory.Trait(
            state="done", started_at=_NOW, finished_at=_NOW, attempts=1, rows_read=12, created=10, updated=2
        )
        failed = factory.Trait(
            state="failed",
            started_at=_NOW,
            finished_at=_NOW,
            attempts=1,
            error="Le fichier n'a pas pu être lu : vérifiez son format, puis déposez-le de nouveau.",
        )
        refused = factory.Trait(
            state="refused", started_at=_NOW, finished_at=_NOW, attempts=1, rows_read=10, rows_rejected=5
        )
        awaiting_confirmation = factory.Trait(
            state="awaiting_confirmation",
            started_at=_NOW,
            finished_at=_NOW,
            attempts=1,
            operator_buildings=100,
            to_retire=50,
            retirement_share=0.5,
            error="Ce fichier retirerait 50 % des immeubles de l'opérateur : confirmez ou annulez l'import.",
        )
        cancelled = factory.Trait(state="cancelled", finished_at=_NOW)


class ImportRejectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "ftth.ImportRejection"

    run = factory.SubFactory(ImportRunFactory, refused=True)
    line = factory.Sequence(lambda n: n + 2)
    reason = "statut inconnu"


# --- COPIL -----------------------------------------------------------------------------------------------
def _semester(day) -> int:
    return 1 if day.month <= 6 else 2


class CopilSessionFactory(factory.django.DjangoModelFactory):
    """A session planned in a month (``upcoming``). Trait: ``closed`` (held two months ago, then closed)."""

    class Meta:
        model = "actions.CopilSession"

    date = _days(30)
    year = factory.LazyAttribute(lambda s: s.date.year)
    semester = factory.LazyAttribute(lambda s: _semester(s.date))
    status = "planned"

    class Params:
        upcoming = factory.Trait(date=_days(30), status="planned")
        closed = factory.Trait(
            date=_days(-60), status="closed", closed_at=_NOW, closed_by=factory.SubFactory(UserFactory)
        )


# --- Marketplace (« J'adopte une innovation »): members, solutions, needs, responses ----------------------------
def current_charter():
    from marketplace.models import Charter

    return Charter.objects.current()


class MemberProfileFactory(factory.django.DjangoModelFactory):
    """A digital actor's profile; ``signed=True`` (default) signs the charter in force."""

    class Meta:
        model = "marketplace.MemberProfile"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DIGITAL_ACTOR)
    category = "startup"
    activity = "Solutions numériques pour les collectivités."

    @factory.post_generation
    def signed(obj, create, extracted, **kwargs):
        from marketplace.models import CharterSignature

        if create and extracted is not False:
            CharterSignature.objects.create(
                charter=current_charter(), organisation=obj.organisation, signed_by=UserFactory()
            )


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.Solution"

    member = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DIGITAL_ACTOR)
    title = factory.Sequence(lambda n: f"Solution {n}")
    problem = "Réduire l'attente des usagers au guichet."
    audience = "Communes"
    description = "Prise de rendez-vous en ligne."
    price_model = "subscription"
    hosting = "france"
    themes = factory.LazyFunction(lambda: ["citizen_relations"])
    status = "draft"

    class Params:
        published = factory.Trait(status="published")


class NeedFactory(factory.django.DjangoModelFactory):
    """A need of Montreuil with its lead participant; traits ``in_review``, ``published``, ``closed``, ``adopted``
    (decided)."""

    class Meta:
        model = "marketplace.Need"
        skip_postgeneration_save = True

    buyer = factory.LazyFunction(lambda: collectivity_of("93048"))
    created_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Besoin {n}")
    problem = "Les usagers attendent longtemps au guichet de l'état civil."
    expected_outcome = "Moins d'attente."
    territory = factory.LazyFunction(lambda: Territory.objects.get(code="93048"))
    deadline = _days(30)
    contact_name = "Service numérique"
    contact_email = "numerique@exemple.fr"
    themes = factory.LazyFunction(lambda: ["citizen_relations"])
    state = "draft"

    class Params:
        in_review = factory.Trait(state="in_review", review_requested_at=_NOW)
        published = factory.Trait(state="published", published_at=_NOW)
        closed = factory.Trait(state="closed", published_at=_NOW, closed_at=_NOW)
        adopted = factory.Trait(state="decided", outcome="adopted", published_at=_NOW, decided_at=_NOW)

    @factory.post_generation
    def lead(obj, create, extracted, **kwargs):
        from marketplace.models import NeedParticipant
        from marketplace.services import refresh_need_search, refresh_need_vectors

        if create:
            NeedParticipant.objects.create(
                need=obj, organisation=obj.buyer, is_lead=True, quantity=extracted or 1, joined_by=obj.created_by
            )
            refresh_need_vectors(type(obj).objects.filter(pk=obj.pk))
            refresh_need_search([obj.pk])


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "marketplace.Response"

    need = factory.SubFactory(NeedFactory, published=True)
    member = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DIGITAL_ACTOR)
    proposal = "Notre proposition."
    submitted_by = factory.SubFactory(UserFactory)


# --- Resource centre (resources) ----------------------------------------------------------------------------
class ResourceFactory(factory.django.DjangoModelFactory):
    """A draft feedback of Montreuil's agent about Montreuil, theme « gestion de la relation citoyenne », défi 4.

    Traits, one per state: ``submitted``, ``in_review``, ``published`` (version 1 published by a staff member,
    searchable), ``refused``. ``territories``/``challenges`` replace the defaults."""

    class Meta:
        model = "resources.Resource"
        skip_postgeneration_save = True

    kind = "feedback"
    title = factory.Sequence(lambda n: f"Retour d'expérience {n:03d} sur la relation usagers")
    slug = factory.Sequence(lambda n: f"ressource-{n:03d}")
    summary = "Ce que la commune a appris en ouvrant un guichet numérique."
    body = "<h2>Contexte</h2><p>Un guichet unique pour les démarches.</p>"
    themes = factory.LazyFunction(lambda: ["citizen_relations"])
    organisation = factory.LazyFunction(lambda: collectivity_of("93048"))
    author = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(state="submitted", submitted_at=_NOW)
        in_review = factory.Trait(state="in_review", submitted_at=_NOW)
        refused = factory.Trait(state="refused", submitted_at=_NOW, refusal_reason="Hors du champ du centre.")
        published = factory.Trait(state="published", submitted_at=_NOW)

    @factory.post_generation
    def territories(obj, create, extracted, **kwargs):
        if create:
            obj.territories.set(extracted if extracted is not None else [territory("93048")])

    @factory.post_generation
    def challenges(obj, create, extracted, **kwargs):
        if create:
            obj.challenges.set(extracted if extracted is not None else Challenge.objects.filter(number=4))

    @factory.post_generation
    def version(obj, create, extracted, **kwargs):
        """A published resource gets its first version, its publication date and its search vector."""
        if not create or obj.state != "published":
            return
        from resources.models import ResourceVersion
        from resources.services import refresh_search

        version = ResourceVersion.objects.create(
            resource=obj, number=1, title=obj.title, summary=obj.summary, body=obj.body, author=obj.author,
            published_by=obj.author, published_at=timezone.now(), change_note="Première publication",
        )  # fmt: skip
        obj.current_version = version
        obj.published_at = version.published_at
        obj.published_year = version.published_at.year
        obj.save()
        refresh_search([obj.pk])
        from resources.selectors import facets_changed

        facets_changed()  # as resource_publish does once committed: the facet counts are computed again


# --- Explorateurs du numérique ---------------------------------------------------------------------------
def _in_hours(n: int):
    return factory.LazyFunction(lambda: timezone.now() + timedelta(hours=n))


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort recruiting today, starting in a month. Traits: ``running`` (started, recruiting closed), ``past``
    (over: its explorers are alumni)."""

    class Meta:
        model = "explorateurs.Cohort"

    start_year = factory.Sequence(lambda n: 2030 + n)
    seats = 40
    call_opens_on = _days(-10)
    call_closes_on = _days(20)
    starts_on = _days(30)
    ends_on = _days(360)

    class Params:
        running = factory.Trait(call_opens_on=_days(-90), call_closes_on=_days(-60), starts_on=_days(-30))
        past = factory.Trait(
            call_opens_on=_days(-800), call_closes_on=_days(-770), starts_on=_days(-700), ends_on=_days(-400)
        )


class CandidacyFactory(factory.django.DjangoModelFactory):
    """A candidacy of an agent of Montreuil, awaiting their direction. Traits: ``confirmed``, ``waitlisted``."""

    class Meta:
        model = "explorateurs.Candidacy"

    cohort = factory.SubFactory(CohortFactory)
    collectivity = factory.LazyFunction(lambda: collectivity_of("93048"))
    agent = factory.LazyAttribute(lambda c: MembershipFactory(organisation=c.collectivity).user)
    role = "Chargée de mission numérique"
    department = "Direction des systèmes d'information"
    motivation = "Apprendre et porter un projet pour ma ville."
    manager_name = "Directrice générale des services"
    manager_email = factory.Sequence(lambda n: f"direction{n}@ville.example")

    class Params:
        confirmed = factory.Trait(status="confirmed", manager_decided_at=_NOW)
        waitlisted = factory.Trait(status="waitlisted", waitlist_position=factory.Sequence(lambda n: n + 1))


class ExplorerFactory(factory.django.DjangoModelFactory):
    """An explorer of Montreuil in a running cohort. Traits: ``alumni`` (their cohort is over), ``withdrawn``."""

    class Meta:
        model = "explorateurs.Explorer"

    cohort = factory.SubFactory(CohortFactory, running=True)
    collectivity = factory.LazyFunction(lambda: collectivity_of("93048"))
    user = factory.LazyAttribute(lambda e: MembershipFactory(organisation=e.collectivity).user)
    role = "Chargé de mission innovation"
    department = "Direction générale"
    manager_name = "Directrice générale des services"
    manager_email = "dgs@ville.example"

    class Params:
        alumni = factory.Trait(cohort=factory.SubFactory(CohortFactory, past=True))
        withdrawn = factory.Trait(status="withdrawn")


class ExplorationEventFactory(factory.django.DjangoModelFactory):
    """An exploration day in a week. Traits: ``expedition``, ``held`` (two days ago), ``soon`` (tomorrow)."""

    class Meta:
        model = "explorateurs.Event"

    cohort = factory.SubFactory(CohortFactory, running=True)
    title = factory.Sequence(lambda n: f"Journée d'exploration {n}")
    starts_at = _in_hours(24 * 7)
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=8))
    venue = "Métropole du Grand Paris"
    address = "15-19 avenue Pierre Mendès-France, 75013 Paris"
    programme = "Ouverture des données ; ateliers."
    themes = factory.LazyFunction(lambda: ["open_data"])
    seats = 40

    class Params:
        expedition = factory.Trait(kind="learning_expedition", title="Learning expedition à Lyon")
        held = factory.Trait(starts_at=_in_hours(-48))
        soon = factory.Trait(starts_at=_in_hours(20))


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration within the seats. Traits: ``waiting`` (give waitlist_position), ``present``, ``absent``."""

    class Meta:
        model = "explorateurs.Registration"

    event = factory.SubFactory(ExplorationEventFactory)
    explorer = factory.SubFactory(ExplorerFactory, cohort=factory.SelfAttribute("..event.cohort"))
    status = "registered"

    class Params:
        waiting = factory.Trait(status="waiting")
        present = factory.Trait(attended=True)
        absent = factory.Trait(attended=False)


class ExplorerProjectFactory(factory.django.DjangoModelFactory):
    """An explorer's project at the idea step. Traits: ``qualified``, ``funded``."""

    class Meta:
        model = "explorateurs.Project"

    title = factory.Sequence(lambda n: f"Projet d'explorateur {n}")
    irritant = "Les usagers attendent au guichet."
    idea = "Un service de rendez-vous en ligne."
    challenge = factory.LazyFunction(lambda: Challenge.objects.get(number=4))
    collectivity = factory.LazyFunction(lambda: collectivity_of("93048"))

    class Params:
        qualified = factory.Trait(status="qualified")
        funded = factory.Trait(status="funded")


# --- Participation (participation/) ----------------------------------------------------------------------------
class SpaceFactory(factory.django.DjangoModelFactory):
    """A collectivity's participation space (Montreuil by default)."""

    class Meta:
        model = "participation.Space"
        django_get_or_create = ("organisation",)

    organisation = factory.LazyFunction(lambda: collectivity_of("93048"))
    slug = factory.LazyAttribute(lambda o: o.organisation.slug)


class ProcessFactory(factory.django.DjangoModelFactory):
    """A published process of Montreuil in its proposals phase (proposals, supports, comments open), a vote
    phase after it; ``phases__finished=True``: every phase past; ``phases=[(kind, from, to, components)]``
    (days from today) for others."""

    class Meta:
        model = "participation.Process"
        skip_postgeneration_save = True

    space = factory.SubFactory(SpaceFactory)
    title = factory.Sequence(lambda n: f"Démarche {n}")
    slug = factory.Sequence(lambda n: f"demarche-{n}")
    summary = "Une démarche d'essai."
    categories = factory.LazyFunction(lambda: ["Numérique", "Cadre de vie"])
    supports_per_user = 3
    support_threshold = 2

    @factory.post_generation
    def territories(obj, create, extracted, **kwargs):
        if create:
            obj.territories.set(extracted or [obj.space.organisation.territory])

    @factory.post_generation
    def phases(obj, create, extracted, **kwargs):
        from participation.models import Component, Phase

        if not create:
            return
        everything = [Component.PROPOSALS, Component.SUPPORTS, Component.COMMENTS]
        if kwargs.get("finished"):
            spans = [("proposals", -60, -30, everything), ("results", -29, -1, [Component.RESULTS])]
        else:
            spans = [("proposals", -5, 20, everything), ("vote", 21, 40, [Component.BUDGET])]
        for kind, a, b, components in extracted or spans:
            today = timezone.localdate()
            Phase.objects.create(process=obj, kind=kind, starts_on=today + timedelta(days=a),
                                 ends_on=today + timedelta(days=b), components=components)  # fmt: skip


class ProposalFactory(factory.django.DjangoModelFactory):
    """A citizen's proposal. Traits: ``accepted``, ``hidden``."""

    class Meta:
        model = "participation.Proposal"

    process = factory.SubFactory(ProcessFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Proposition {n}")
    body = "Une proposition d'essai."
    category = "Numérique"

    class Params:
        accepted = factory.Trait(answer="accepted", answer_text="Retenue.", estimated_cost_cents=100_000)
        hidden_by_moderation = factory.Trait(hidden=True)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:  # searchable, as the service leaves it
            from participation.services import refresh_proposal_search

            refresh_proposal_search(instance.pk)


class BudgetFactory(factory.django.DjangoModelFactory):
    """A participatory budget of 100 000 € in its vote, approval of 2 projects at most. Traits: ``basket``
    (within the amount, 50 % spent at least), ``closed``, ``residents``."""

    class Meta:
        model = "participation.Budget"

    process = factory.SubFactory(ProcessFactory)
    title = factory.Sequence(lambda n: f"Budget {n}")
    territory = factory.LazyAttribute(lambda o: o.process.space.organisation.territory)
    amount_cents = 100_000_00
    rule = "approval"
    max_projects = 2
    vote_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    vote_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))

    class Params:
        basket = factory.Trait(rule="basket", max_projects=None, min_share_percent=50)
        closed = factory.Trait(
            vote_opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=10)),
            vote_closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        residents = factory.Trait(residents_only=True)


class BudgetProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "participation.BudgetProject"

    budget = factory.SubFactory(BudgetFactory)
    title = factory.Sequence(lambda n: f"Projet {n}")
    cost_cents = 30_000_00


class ResultFactory(factory.django.DjangoModelFactory):
    """A followed result. Trait: ``delivered``."""

    class Meta:
        model = "participation.Result"

    process = factory.SubFactory(ProcessFactory)
    title = factory.Sequence(lambda n: f"Réalisation {n}")
    progress = 40
    status = "in_progress"

    class Params:
        delivered = factory.Trait(
            status="delivered", progress=100, delivered_on=factory.LazyFunction(timezone.localdate)
        )


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting in a week, on registration for 2 people. Traits: ``open_to_all``, ``past`` (with minutes)."""

    class Meta:
        model = "participation.Meeting"

    process = factory.SubFactory(ProcessFactory)
    title = factory.Sequence(lambda n: f"Réunion publique {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    address = "Salle des fêtes, place Jean-Jaurès"
    registration_required = True
    capacity = 2

    class Params:
        open_to_all = factory.Trait(registration_required=False, capacity=None)
        past = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=7)), minutes="Trente présents."
        )


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(size=(4, 3), fmt="PNG") -> bytes:
    """A small real image (Pillow), for the image uploads' checks."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 90, 160)).save(buffer, format=fmt)
    return buffer.getvalue()


class ResidenceProofFactory(factory.django.DjangoModelFactory):
    """A citizen's proof of residence (a small PDF) for a space, pending review. Traits: ``accepted``,
    ``refused``."""

    class Meta:
        model = "participation.ResidenceProof"

    space = factory.SubFactory(SpaceFactory)
    user = factory.SubFactory(UserFactory)
    commune = factory.LazyAttribute(lambda o: o.space.organisation.territory)
    address = "Place Jean-Jaurès"
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="justificatif.pdf"))

    class Params:
        accepted = factory.Trait(status="accepted", reviewed_at=factory.LazyFunction(timezone.now))
        refused = factory.Trait(
            status="refused", reason="Document illisible.", reviewed_at=factory.LazyFunction(timezone.now)
        )


# --- Engineering: pôle d'ingénierie, Start-up de métropole, digital places, vacant spaces -----------------
def _montreuil_collectivity():
    return collectivity_of("93048")


def _montreuil():
    return Territory.objects.get(code="93048")


class ServiceOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "engineering.ServiceOffer"

    title = factory.Sequence(lambda n: f"Service {n}")
    description = "Ce que fait le pôle."
    audience = "communes et EPT"
    kind = "technical"
    typical_delay_days = 10


def _worked(status: str, **extra):
    """The fields of a request triaged and given to an expert, then in ``status``."""
    return factory.Trait(
        status=status,
        service=factory.SubFactory(ServiceOfferFactory),
        expert=factory.SubFactory(UserFactory, roles=["engineering.expert"]),
        qualified_at=_NOW,
        promised_days=10,
        due_on=_days(10),
        **extra,
    )


class EngineeringRequestFactory(factory.django.DjangoModelFactory):
    """A request of Montreuil, received. Traits: ``qualified``, ``in_progress``, ``delivered``, ``closed``."""

    class Meta:
        model = "engineering.EngineeringRequest"

    organisation = factory.LazyFunction(_montreuil_collectivity)
    created_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Demande {n}")
    description = "Le besoin."
    kind = "technical"
    stage = "upstream"

    class Params:
        qualified = _worked("qualified")
        in_progress = _worked("in_progress", started_at=_NOW, first_answer_at=_NOW)
        delivered = _worked("delivered", started_at=_NOW, first_answer_at=_NOW, delivered_at=_NOW)
        closed = _worked(
            "closed", started_at=_NOW, first_answer_at=_NOW, delivered_at=_NOW, closed_at=_NOW, satisfaction=4
        )


class PlaceFactory(factory.django.DjangoModelFactory):
    """A published fablab in Montreuil (its commune set directly; the service computes it from the point)."""

    class Meta:
        model = "engineering.Place"

    kind = "fablab"
    name = factory.Sequence(lambda n: f"Lieu {n}")
    address = "1 rue de l'Essai"
    location = factory.LazyFunction(lambda: Point(2.4410, 48.8617, srid=4326))
    territory = factory.LazyFunction(_montreuil)
    is_published = True

    class Params:
        unpublished = factory.Trait(is_published=False)
        micro_folie = factory.Trait(kind="micro_folie")


class SponsorshipBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "engineering.SponsorshipBudget"

    year = factory.Sequence(lambda n: 2030 + n)
    label = factory.LazyAttribute(lambda b: f"Parrainages {b.year}")
    amount_cents = 10_000_000


class ProblemFactory(factory.django.DjangoModelFactory):
    """A problem of Montreuil, submitted. Traits: ``selected`` (with a budget), ``rejected``."""

    class Meta:
        model = "engineering.Problem"

    organisation = factory.LazyFunction(_montreuil_collectivity)
    submitted_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Problème {n}")
    problem = "Un irritant."
    users = "Les habitants."
    evidence = "Des chiffres."
    intrapreneur_name = "Camille Essai"
    intrapreneur_job = "Chargée de mission"
    manager_name = "Dominique Essai"
    manager_agreement = True

    class Params:
        selected = factory.Trait(
            status="selected", budget=factory.SubFactory(SponsorshipBudgetFactory), sponsorship_cents=2_000_000
        )
        rejected = factory.Trait(status="rejected", decision_reason="Hors champ.")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "engineering.Product"

    problem = factory.SubFactory(ProblemFactory, selected=True)
    name = factory.Sequence(lambda n: f"Produit {n}")
    pitch = "En une phrase."
    team = "Une équipe."
    phase_started_on = _days(0)


class SpaceOfferFactory(factory.django.DjangoModelFactory):
    """A space of Montreuil, to moderate. Traits: ``published``, ``matched``."""

    class Meta:
        model = "engineering.SpaceOffer"

    owner = factory.LazyFunction(_montreuil_collectivity)
    created_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Local {n}")
    description = "Un local."
    surface_m2 = 80
    address = "2 rue de l'Essai"
    location = factory.LazyFunction(lambda: Point(2.4410, 48.8617, srid=4326))
    territory = factory.LazyFunction(_montreuil)
    conditions = "Loyer modéré."
    available_from = _days(10)

    class Params:
        published = factory.Trait(status="published")
        matched = factory.Trait(status="matched")


# --- Prizes and contests (contests/) -------------------------------------------------------------------------
class ContestFactory(factory.django.DjangoModelFactory):
    """A prize of Grand Paris Métropole Tech (``resources=True``: a resource-centre contest) with two prizes and
    two criteria (weights 2 and 1). Traits per state: ``draft`` (default), ``open``, ``judging``, ``published``."""

    class Meta:
        model = "contests.Contest"
        skip_postgeneration_save = True

    module = "marketplace"
    title = factory.Sequence(lambda n: f"Prix thématique {n:03d}")
    slug = factory.Sequence(lambda n: f"prix-{n:03d}")
    theme = "Accueil des usagers"
    call_text = "<p>Un appel.</p>"
    rules = "<p>Un règlement.</p>"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    jury_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=20))
    results_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    created_by = factory.SubFactory(UserFactory)
    status = "draft"

    class Params:
        resources = factory.Trait(module="resources")
        open = factory.Trait(status="open")
        judging = factory.Trait(status="judging")
        published = factory.Trait(status="published", results_published_at=_NOW)

    @factory.post_generation
    def prizes(obj, create, extracted, **kwargs):
        if create:
            for position, (label, cents) in enumerate(extracted or [("Grand prix", 500_000), ("Mention", None)]):
                obj.prizes.create(label=label, amount_cents=cents, position=position)

    @factory.post_generation
    def criteria(obj, create, extracted, **kwargs):
        if create:
            for position, (label, weight) in enumerate(extracted or [("Utilité", 2), ("Innovation", 1)]):
                obj.criteria.create(label=label, weight=weight, position=position)


class EntryFactory(factory.django.DjangoModelFactory):
    """An entry of a digital actor in an open prize (``withdrawn`` trait)."""

    class Meta:
        model = "contests.Entry"

    contest = factory.SubFactory(ContestFactory, open=True)
    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.DIGITAL_ACTOR)
    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Candidature {n:03d}")
    pitch = "Une solution qui réduit l'attente au guichet."

    class Params:
        withdrawn = factory.Trait(withdrawn_at=_NOW)


class JurorFactory(factory.django.DjangoModelFactory):
    """A juror (``declared`` trait: declaration of interests signed)."""

    class Meta:
        model = "contests.Juror"

    contest = factory.SubFactory(ContestFactory, judging=True)
    user = factory.SubFactory(UserFactory)

    class Params:
        declared = factory.Trait(declared_at=_NOW, declaration="Aucun lien.")
