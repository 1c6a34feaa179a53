"""Demo data of the resource centre, every piece marked « exemple de démonstration »: a published resource of
each kind, the feedback of projects of the Explorateurs du numérique listed in the SMAN's Annex 3 (described in
our words, the results invented), a contribution in review with a moderator's question for the commune agent,
one waiting for a moderator, an edit suggested by the citizen, a collectivity that applied a resource, a call
for contributions, a saved search and a few weeks of usage figures."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sman.models import Challenge, Organisation, Territory

from . import services
from .models import CallForContributions, DailyUsage, Resource, SearchMiss

MARK = " (exemple de démonstration)"
NOTE = (
    "<p><em>Exemple de démonstration : ce texte illustre le centre de ressources, il ne rend pas compte d'un "
    "projet réel.</em></p>"
)

# (kind, author role, territory code, title, summary, body, themes, défi)
OF_EACH_KIND = [
    (
        "watch",
        "staff",
        "MGP",
        "Veille : les communs numériques dans les collectivités européennes",
        "Comment Barcelone, Amsterdam et Lyon partagent leurs outils numériques entre collectivités.",
        "<h2>Ce qu'il faut retenir</h2><ul><li>Des logiciels publiés sous licence libre.</li><li>Des données ouvertes "
        "par défaut.</li></ul>",
        ["open_data", "administration"],
        3,
    ),
    (
        "kit",
        "digital_actor",
        "93048",
        "Kit pratique : lancer une consultation citoyenne en ligne",
        "Les étapes, les modèles de questionnaires et les pièges à éviter pour une première consultation.",
        "<h2>Étapes</h2><ol><li>Définir la question.</li><li>Choisir l'outil.</li><li>Rendre compte.</li></ol>",
        ["participation"],
        3,
    ),
    (
        "fact_sheet",
        "staff",
        "MGP",
        "Fiche synthétique : la blockchain pour les collectivités",
        "Ce que la blockchain permet, ce qu'elle ne permet pas, et les usages publics déjà expérimentés.",
        "<h2>En deux mots</h2><p>Un registre partagé et infalsifiable ; coûteux en énergie selon le protocole.</p>",
        ["blockchain"],
        4,
    ),
    (
        "fact_sheet",
        "staff",
        "MGP",
        "Fiche synthétique : le numérique écoresponsable",
        "Mesurer et réduire l'empreinte environnementale des services numériques d'une collectivité.",
        "<h2>Trois leviers</h2><ul><li>Allonger la durée de vie des équipements.</li><li>Sobriété des services."
        "</li><li>Achats responsables.</li></ul>",
        ["green_it"],
        5,
    ),
    (
        "guide",
        "ept_agent",
        "T8",
        "Guide : ouvrir les données d'un territoire",
        "Le guide d'Est Ensemble pour publier ses premiers jeux de données ouvertes.",
        "<h2>Par où commencer</h2><p>Les jeux de données les plus demandés : équipements, horaires, budgets.</p>",
        ["open_data"],
        3,
    ),
    (
        "deliverable",
        "commune_agent",
        "93048",
        "Livrable du groupe « Gestion de la relation citoyenne »",
        "La grille commune des Bâtisseurs du numérique pour choisir un outil de gestion de la relation usagers.",
        "<h2>La grille</h2><table><thead><tr><th>Critère</th><th>Poids</th></tr></thead><tbody><tr><td>Accessibilité"
        "</td><td>3</td></tr><tr><td>Interopérabilité</td><td>2</td></tr></tbody></table>",
        ["citizen_relations"],
        4,
    ),
    (
        "fmin_evaluation",
        "commune_agent",
        "93048",
        "Évaluation : agent conversationnel pour l'accueil des usagers",
        "L'évaluation à un an d'un projet financé par le FMIN : impact mesuré et répliquabilité.",
        "<h2>Impact mesuré</h2><p>Un tiers des appels traités sans attente.</p>",
        ["citizen_relations"],
        4,
    ),
    (
        "explorer_note",
        "ept_agent",
        "T8",
        "Note d'explorateur : visite de trois tiers-lieux numériques",
        "Ce que des agents ont appris en visitant des tiers-lieux pendant une journée d'exploration.",
        "<p>Trois modèles économiques, un même besoin : animer un réseau de bénévoles.</p>",
        ["digital_inclusion"],
        1,
    ),
    (
        "event_material",
        "staff",
        "MGP",
        "Support de la rencontre « Métropole d'intelligences »",
        "Les présentations de la rencontre annuelle des collectivités et des acteurs du numérique.",
        "<p>Programme, intervenants et présentations de la journée.</p>",
        ["other"],
        6,
    ),
]

# The SMAN's Annex 3 (projects supported by the Explorateurs du numérique): commune, title, project, theme, défi.
ANNEX_3 = [
    (
        "92071",
        "Retour d'expérience : une bibliothèque connectée pour les jeunes à Sceaux",
        "Transformer la bibliothèque municipale en lieu connecté et plus inclusif pour attirer les jeunes.",
        ["digital_inclusion"],
        1,
    ),
    (
        "94028",
        "Retour d'expérience : un fablab mobile dans les écoles de Créteil",
        "Un fablab itinérant pour que les enseignants et les élèves s'approprient les outils numériques.",
        ["digital_inclusion"],
        1,
    ),
    (
        "93048",
        "Retour d'expérience : « Montreuil est mon jardin »",
        "Le numérique pour réunir les habitants qui transforment des friches en jardins collectifs, avec un volet "
        "biodiversité contributif.",
        ["environment", "participation"],
        5,
    ),
    (
        "94002",
        "Retour d'expérience : le stationnement intelligent à Alfortville",
        "Des capteurs radio pour guider les conducteurs vers les places libres.",
        ["mobility"],
        6,
    ),
    (
        "92026",
        "Retour d'expérience : des capteurs sur les aires de livraison à Courbevoie",
        "Mesurer l'usage des aires de livraison pour en adapter le nombre et la répartition.",
        ["mobility"],
        6,
    ),
    (
        "92004",
        "Retour d'expérience : un portail de données ouvertes à Asnières-sur-Seine",
        "Rendre les données publiques de la commune accessibles aux habitants, aux agents et aux entreprises.",
        ["open_data"],
        3,
    ),
]


def _annex_3_project(code: str):
    """The Explorateurs project of the Annex 3 in that commune (the resource's explicit link), if loaded."""
    from explorateurs.models import Project

    return (
        Project.objects.filter(source=Project.Source.ANNEX_3, collectivity__territory__code=code).order_by("pk").first()
    )


def _organisation_of(code: str):
    if code == "MGP":
        return Organisation.objects.filter(kind=Organisation.Kind.METROPOLE).first()
    return Organisation.objects.filter(kind=Organisation.Kind.COLLECTIVITY, territory__code=code).first()


def _published(users, *, author, organisation, kind, title, summary, body, themes, challenge, code, **links):
    resource = services.resource_create(
        user=author, organisation=organisation, kind=kind, title=title + MARK, summary=summary, body=NOTE + body,
        themes=themes, challenges=Challenge.objects.filter(number=challenge),
        territories=Territory.objects.filter(code=code), **links,
    )  # fmt: skip
    Resource.objects.filter(pk=resource.pk).update(is_demo=True)
    services.resource_submit(resource=resource, user=author)
    services.resource_publish(resource=resource, user=users["staff"])
    resource.refresh_from_db()
    return resource


@transaction.atomic
def load_demo(users: dict) -> None:
    if Resource.objects.filter(is_demo=True).exists():
        return
    staff = users["staff"]
    published = []
    for kind, role, code, title, summary, body, themes, challenge in OF_EACH_KIND:
        author = users[role]
        organisation = _organisation_of(code) if role == "staff" else _contributor_org(author)
        published.append(
            _published(
                users,
                author=author,
                organisation=organisation,
                kind=kind,
                title=title,
                summary=summary,
                body=body,
                themes=themes,
                challenge=challenge,
                code=code,
            )  # fmt: skip
        )
    for code, title, summary, themes, challenge in ANNEX_3:
        body = (
            f"<h2>Le projet</h2><p>{summary}</p><h2>Ce que nous en retenons</h2><p>Les résultats décrits ici sont "
            "inventés pour la démonstration ; le projet figure à l'annexe 3 du SMAN parmi les projets soutenus par "
            "les Explorateurs du numérique.</p>"
        )
        published.append(
            _published(
                users,
                author=staff,
                organisation=_organisation_of(code) or _organisation_of("MGP"),
                kind="feedback",
                title=title,
                summary=summary,
                body=body,
                themes=themes,
                challenge=challenge,
                code=code,
                explorer_project=_annex_3_project(code),
            )  # fmt: skip
        )
    _work_waiting(users, published)


def _contributor_org(user):
    from . import permissions

    return permissions.contributing_organisations(user).first()


def _work_waiting(users, published) -> None:
    agent, staff = users["commune_agent"], users["staff"]
    # In review, with a moderator's question for the commune agent.
    in_review = services.resource_create(
        user=agent, organisation=_contributor_org(agent), kind="feedback",
        title="Retour d'expérience : la prise de rendez-vous en ligne" + MARK,
        summary="Un an de prise de rendez-vous en ligne pour l'état civil.",
        body=NOTE + "<p>Le délai d'obtention d'un rendez-vous est passé de trois semaines à cinq jours.</p>",
        themes=["citizen_relations"], territories=Territory.objects.filter(code="93048"),
    )  # fmt: skip
    services.resource_submit(resource=in_review, user=agent)
    services.review_start(resource=in_review, user=staff)
    services.comment_add(
        resource=in_review, user=staff, text="Merci ! Pouvez-vous indiquer le coût du service et l'outil choisi ?"
    )
    # Waiting for a moderator.
    actor = users["digital_actor"]
    waiting = services.resource_create(
        user=actor, organisation=_contributor_org(actor), kind="kit",
        title="Kit pratique : accessibilité des sites des communes" + MARK,
        summary="Une liste de vérifications RGAA pour les sites des petites communes.",
        body=NOTE + "<ul><li>Contrastes</li><li>Titres</li><li>Formulaires étiquetés</li></ul>",
        themes=["administration"],
    )  # fmt: skip
    services.resource_submit(resource=waiting, user=actor)
    for resource in (in_review, waiting):
        Resource.objects.filter(pk=resource.pk).update(is_demo=True)
    # An edit the citizen suggests on a resource of the commune agent.
    deliverable = next(r for r in published if r.author_id == agent.pk)
    services.suggestion_create(
        resource=deliverable, user=users["citizen"], field="summary",
        text="La grille commune des Bâtisseurs du numérique, avec ses poids, pour choisir un outil de GRC.",
        message="Préciser que la grille donne des poids.",
    )  # fmt: skip
    # Est Ensemble applied the open data guide of a commune… and the Annex 3 open data feedback.
    ept = _contributor_org(users["ept_agent"])
    for resource in published:
        if "données ouvertes" in resource.title and resource.author_id != users["ept_agent"].pk:
            services.use_mark(
                resource=resource, user=users["ept_agent"], organisation=ept,
                note="Nous avons repris la liste des jeux de données à publier en premier (démonstration).",
            )  # fmt: skip
    CallForContributions.objects.create(
        title="Vos retours d'expérience sur la médiation numérique" + MARK,
        theme="digital_inclusion",
        description="Comment accompagnez-vous les habitants éloignés du numérique ? Partagez vos dispositifs, "
        "leurs résultats et ce que vous referiez autrement.",
        deadline=timezone.localdate() + timedelta(days=60),
    )
    services.saved_search_create(user=users["citizen"], name="Données ouvertes", query="q=données+ouvertes")
    today = timezone.localdate()
    DailyUsage.objects.bulk_create(
        DailyUsage(resource=r, day=today - timedelta(days=d), views=(r.pk * 7 + d * 3) % 23, downloads=d % 3)
        for r in published
        for d in range(0, 28, 3)
    )
    SearchMiss.objects.bulk_create(
        [SearchMiss(day=today, query="cybersécurité des mairies", count=4),
         SearchMiss(day=today, query="vidéoprotection", count=2)]
    )  # fmt: skip
