"""Demo data: the pôle's catalogue, support requests in every state (Montreuil's agent reads the pôle's message
on a request in progress; the team has requests to triage; the team's account is also an expert with requests to
answer; a closed request's deliverable is published in the resource centre, another's waits there as a draft for
the expert), one start-up product per phase, digital places on the map and vacant spaces. Everything is fictitious
and says so."""

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.utils import timezone

from sman.documents import render_pdf
from sman.models import Organisation
from sman.services import role_grant

from . import services
from .models import (
    EngineeringRequest,
    ExchangeMember,
    ImpactIndicator,
    Kind,
    Place,
    PlaceKind,
    ServiceOffer,
    SpaceOffer,
    SponsorshipBudget,
    Stage,
)
from .permissions import EXPERT_ROLE

CATALOGUE = [
    # (title, description, audience, kind, typical delay in days) — the SMAN's examples (§4.2.2.3, action #11)
    (
        "Ouvrir et utiliser ses données",
        "Inventaire des données, choix des jeux à ouvrir, licence, publication et réutilisations.",
        "communes et EPT",
        Kind.TECHNICAL,
        30,
    ),
    (
        "Concevoir une politique publique avec ses usagers",
        "Méthodes de design des politiques publiques : enquête de terrain, prototypes, tests avec les usagers.",
        "communes et EPT",
        Kind.TECHNICAL,
        45,
    ),
    (
        "Développer en logiciel libre",
        "Cahier des charges, choix d'une brique libre existante, mutualisation entre collectivités.",
        "communes et EPT",
        Kind.TECHNICAL,
        60,
    ),
    (
        "Monter un marché public numérique",
        "Rédaction des pièces, procédure adaptée, données personnelles (RGPD).",
        "communes et EPT",
        Kind.LEGAL,
        20,
    ),
    (
        "Trouver des financements",
        "Recherche de financements nationaux, européens et privés, montage des dossiers.",
        "communes, EPT et leurs groupements",
        Kind.FINANCIAL,
        15,
    ),
]

PLACES = [
    # (kind, name, address, lon, lat, services, hours, accessibility)
    (
        PlaceKind.FABLAB,
        "Fablab de démonstration de Montreuil",
        "10 rue de la Démonstration",
        2.4410,
        48.8617,
        "Imprimantes 3D, découpe laser, initiation pour les scolaires",
        "Mardi au samedi, 10 h – 18 h",
        "Accessible en fauteuil roulant",
    ),
    (
        PlaceKind.FABLAB,
        "Fablab mobile de démonstration de Créteil",
        "1 place de la Démonstration",
        2.4556,
        48.7904,
        "Ateliers itinérants dans les écoles",
        "Sur rendez-vous",
        "",
    ),
    (
        PlaceKind.MAKERSPACE,
        "Atelier numérique de démonstration de Fontenay-sous-Bois",
        "5 avenue de l'Essai",
        2.4769,
        48.8517,
        "Outils à commande numérique en accès libre pour les associations",
        "Mercredi et samedi",
        "Rez-de-chaussée, boucle magnétique",
    ),
    (
        PlaceKind.MICRO_FOLIE,
        "Micro-Folie de démonstration de Sevran",
        "2 allée de l'Exemple",
        2.5275,
        48.9386,
        "Musée numérique, réalité virtuelle, espace de pratique",
        "Mercredi au dimanche, 14 h – 19 h",
        "Accessible en fauteuil roulant",
    ),
    (
        PlaceKind.MICRO_FOLIE,
        "Micro-Folie de démonstration de Paris 19e",
        "30 avenue de l'Exemple",
        2.3908,
        48.8938,
        "Musée numérique, ateliers pour les familles",
        "Tous les jours sauf lundi",
        "Accessible en fauteuil roulant",
    ),
    (
        PlaceKind.CULTURAL,
        "Médiathèque numérique de démonstration de Saint-Denis",
        "3 rue du Test",
        2.3574,
        48.9362,
        "Jeux vidéo, création musicale assistée par ordinateur",
        "Mardi au samedi",
        "",
    ),
]

PRODUCTS = [
    # (commune, problem, product, pitch, phase after decisions, decisions)
    (
        "93048",
        "Des rendez-vous non honorés au centre social",
        "RDV Solidaire (démonstration)",
        "Des rappels et des créneaux choisis par les usagers pour moins de rendez-vous manqués.",
        [],
    ),
    (
        "93055",
        "Les dossiers d'inscription périscolaire arrivent incomplets",
        "Dossier Facile (démonstration)",
        "Un formulaire qui dit ce qui manque avant l'envoi.",
        ["continue"],
    ),
    (
        "92012",
        "Les signalements de voirie se perdent entre services",
        "Signale (démonstration)",
        "Un signalement suivi de bout en bout, visible par l'habitant.",
        ["continue", "pivot", "continue"],
    ),
    (
        "94028",
        "Les salles municipales sont réservées par téléphone",
        "Salles Libres (démonstration)",
        "Les salles disponibles et leur réservation en ligne.",
        ["continue", "continue", "continue"],
    ),
    (
        "93066",
        "Les aides aux commerçants sont méconnues",
        "Aides Commerce (démonstration)",
        "Les aides auxquelles un commerce a droit, en trois questions.",
        ["stop"],
    ),
]


def load_demo(users: dict) -> None:
    staff = users["staff"]
    role_grant(user=staff, role=EXPERT_ROLE, by=None)  # the team's account also answers requests
    if not ServiceOffer.objects.exists():
        for order, (title, description, audience, kind, days) in enumerate(CATALOGUE):
            ServiceOffer.objects.create(
                title=title, description=description, audience=audience, kind=kind, typical_delay_days=days,
                order=order,
            )  # fmt: skip
    if not EngineeringRequest.objects.exists():
        _requests(users)
    if not Place.objects.exists():
        for kind, name, address, lon, lat, offered, hours, access in PLACES:
            services.place_save(
                place=Place(kind=kind, name=name, address=address, location=Point(lon, lat, srid=4326),
                            services=offered, opening_hours=hours, accessibility=access),
                user=staff,
            )  # fmt: skip
    if not SponsorshipBudget.objects.exists():
        _startups(users)
    if not SpaceOffer.objects.exists():
        _spaces(users)


def _collectivity(code: str) -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)


def _requests(users: dict) -> None:
    agent, ept_agent, staff = users["commune_agent"], users["ept_agent"], users["staff"]
    montreuil, est_ensemble = _collectivity("93048"), _collectivity("T8")
    catalogue = list(ServiceOffer.objects.order_by("order"))

    def submit(title, kind, stage, who=agent, org=montreuil):
        return services.request_submit(
            user=who, organisation=org, title=f"{title} (démonstration)", kind=kind, stage=stage,
            description="Demande fictive créée pour la démonstration du portail : le besoin, le projet concerné, "
            "les échéances de la collectivité.",
        )  # fmt: skip

    # To triage (the team).
    submit("Ouvrir les données des équipements sportifs", Kind.TECHNICAL, Stage.UPSTREAM)
    submit("Financer un tiers-lieu numérique", Kind.FINANCIAL, Stage.UPSTREAM, ept_agent, est_ensemble)
    # Qualified: the expert has it to take in hand.
    qualified = submit("Marché de maintenance du portail citoyen", Kind.LEGAL, Stage.DOWNSTREAM)
    services.request_qualify(request=qualified, user=staff, service=catalogue[3], expert=staff)
    # In progress, with a message of the pôle for Montreuil's agent to read.
    in_progress = submit("Concevoir l'accueil numérique de la mairie avec les usagers", Kind.TECHNICAL, Stage.UPSTREAM)
    services.request_qualify(request=in_progress, user=staff, service=catalogue[1], expert=staff)
    services.request_start(request=in_progress, user=staff)
    services.message_post(
        request=in_progress, user=staff,
        body="Bonjour, nous proposons deux demi-journées d'observation à l'accueil de la mairie la semaine "
        "prochaine. Quelles dates vous conviennent ? (message de démonstration)",
    )  # fmt: skip
    # Delivered: Montreuil's agent is asked how satisfied they are.
    delivered = submit("Trouver des cofinancements européens pour la fibre des écoles", Kind.FINANCIAL, Stage.UPSTREAM)
    _deliver(delivered, catalogue[4], staff)
    # Closed, with its satisfaction answer.
    closed = submit("Choisir une brique libre de gestion des salles", Kind.TECHNICAL, Stage.DOWNSTREAM, ept_agent,
                    est_ensemble)  # fmt: skip
    _deliver(closed, catalogue[2], staff)
    services.request_close(request=closed, user=ept_agent, satisfaction=4, comment="Utile et rapide (démonstration).")
    _deliverables_shared(closed, delivered, staff)


def _deliverables_shared(closed, delivered, staff) -> None:
    """The closed request's deliverable, reviewed and published in the resource centre (the request's « Ressources
    liées »); the delivered one's, a draft waiting for the expert to review and submit."""
    from resources import services as resources_services
    from resources.models import Resource

    shared = services.deliverable_to_resource_centre(document=closed.documents.get(is_deliverable=True), user=staff)
    shared = resources_services.resource_update(
        resource=shared, user=staff, themes=["administration"],
        body="<p>Note de synthèse du pôle d'ingénierie (démonstration) : les briques libres de réservation de salles "
        "comparées sur leurs fonctions, leur hébergement et leur coût pour une collectivité.</p>",
    )  # fmt: skip
    resources_services.resource_submit(resource=shared, user=staff)
    resources_services.resource_publish(resource=shared, user=staff)
    draft = services.deliverable_to_resource_centre(document=delivered.documents.get(is_deliverable=True), user=staff)
    resources_services.resource_update(resource=draft, user=staff, themes=["connectivity"])
    Resource.objects.filter(pk__in=(shared.pk, draft.pk)).update(is_demo=True)


def _deliver(request, service, staff) -> None:
    services.request_qualify(
        request=request, user=staff, service=service, expert=staff, today=timezone.localdate() - timedelta(days=10)
    )
    services.request_start(request=request, user=staff)
    services.message_post(request=request, user=staff, body="Voici notre note de synthèse (démonstration).")
    note = render_pdf("engineering/pdf/demo_deliverable.html", {"request": request})
    services.document_add(request=request, user=staff, file=ContentFile(note, name="note-de-synthese.pdf"),
                          deliverable=True)  # fmt: skip
    services.request_deliver(request=request, user=staff)


def _startups(users: dict) -> None:
    staff, agent = users["staff"], users["commune_agent"]
    year = timezone.localdate().year
    budget = SponsorshipBudget.objects.create(
        year=year, label=f"Start-up de métropole {year} (démonstration)", amount_cents=20_000_000
    )
    for code, problem_title, name, pitch, decisions in PRODUCTS:
        organisation = _collectivity(code)
        problem = services.problem_submit(
            user=_member_of(organisation, agent, users), organisation=organisation,
            title=f"{problem_title} (démonstration)", problem=f"{problem_title}. Problème fictif de démonstration.",
            users="Les habitants et les agents du service concerné (démonstration).",
            evidence="Un relevé de six mois du service (démonstration).", intrapreneur_name="Camille Exemple",
            intrapreneur_job="Chargée de mission", manager_name="Dominique Exemple", manager_agreement=True,
        )  # fmt: skip
        product = services.problem_select(
            problem=problem, user=staff, budget=budget, sponsorship_cents=2_000_000,
            reason="Problème documenté, agent volontaire, solution réutilisable par d'autres communes.",
            product_name=name, pitch=pitch, team="Camille Exemple (intrapreneuse), une coach, deux développeurs.",
        )  # fmt: skip
        ImpactIndicator.objects.create(product=product, name="Usagers servis par mois", unit="usagers", target=500)
        for decision in decisions:
            services.product_decide(
                product=product, user=staff, decision=decision, reasons="Décision de démonstration, motivée ici."
            )
    # One more problem for the team to examine.
    services.problem_submit(
        user=agent, organisation=_collectivity("93048"), title="Les demandes d'état civil par courrier (démonstration)",
        problem="Les demandes d'actes arrivent par courrier et sont ressaisies (démonstration).",
        users="Les habitants, le service de l'état civil.", evidence="2 000 courriers par an (démonstration).",
        intrapreneur_name="Sacha Exemple", intrapreneur_job="Agent d'état civil", manager_name="Alex Exemple",
        manager_agreement=True,
    )  # fmt: skip


def _member_of(organisation, agent, users):
    """The demo agent for Montreuil; the team's account (a Métropole member) cannot submit for another commune, so
    a demo agent of that commune is created once."""
    from sman.models import Membership, User

    if organisation.territory.code == "93048":
        return agent
    user, _ = User.objects.get_or_create(
        email=f"demo.{organisation.territory.code}@demo.metropole-intelligences.example",
        defaults={"first_name": "Agent", "last_name": f"de démonstration ({organisation.name})", "is_active": False},
    )
    Membership.objects.get_or_create(user=user, organisation=organisation)
    return user


def _spaces(users: dict) -> None:
    staff, agent = users["staff"], users["commune_agent"]
    montreuil = _collectivity("93048")
    ess, _ = Organisation.objects.get_or_create(
        slug="demo-ressourcerie-solidaire",
        defaults={"kind": Organisation.Kind.DIGITAL_ACTOR, "name": "Ressourcerie solidaire (démonstration)",
                  "territory": montreuil.territory},
    )  # fmt: skip
    ExchangeMember.objects.get_or_create(organisation=ess, defaults={"kind": ExchangeMember.Kind.ESS})
    today = timezone.localdate()

    def offer(title, lon, lat, surface):
        return services.offer_submit(
            user=agent, owner=montreuil, title=f"{title} (démonstration)", description="Local fictif de démonstration.",
            surface_m2=surface, address="Adresse de démonstration, Montreuil", location=Point(lon, lat, srid=4326),
            conditions="Loyer modéré, charges comprises, usage associatif (démonstration).",
            available_from=today + timedelta(days=30),
        )  # fmt: skip

    offer("Ancienne boutique de quartier", 2.4450, 48.8590, 60)  # to moderate
    published = offer("Rez-de-chaussée d'un équipement municipal", 2.4300, 48.8560, 120)
    services.offer_moderate(offer=published, user=staff, publish=True)
    matched = offer("Atelier partagé", 2.4520, 48.8650, 200)
    services.offer_moderate(offer=matched, user=staff, publish=True)
    from sman.models import Membership, User

    ess_agent, _ = User.objects.get_or_create(
        email="demo.ess@demo.metropole-intelligences.example",
        defaults={"first_name": "Agent", "last_name": "de la ressourcerie (démonstration)", "is_active": False},
    )
    Membership.objects.get_or_create(user=ess_agent, organisation=ess)
    application = services.space_apply(
        offer=matched, user=ess_agent, organisation=ess, project="Une ressourcerie avec atelier de réparation."
    )
    services.application_accept(application=application, user=agent)
