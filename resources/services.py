"""Writes of the resource centre: each checks who may, runs in a transaction, and locks the resource's row
(``select_for_update``) before a state change, so that two moderators never both decide on one contribution.

Entry point for the other modules: ``draft_from_module`` (a draft the author reviews and submits).
"""

import hashlib
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sman.emails import send_email_on_commit
from sman.models import Organisation, User
from sman.notifications import notify, notify_many
from sman.richtext import clean_html
from sman.search import refresh_search_vector, weighted_vector

from . import permissions
from .attachments import AttachmentValidator, extract_text
from .models import (
    Attachment,
    EditSuggestion,
    Kind,
    Licence,
    Resource,
    ResourceUse,
    ResourceVersion,
    ReviewComment,
    SavedSearch,
    Theme,
)

MODULE = "resources"
CONTENT_FIELDS = ("title", "summary", "body")
SEARCH_VECTOR = weighted_vector(
    ("current_version__title", "A"),
    ("current_version__summary", "B"),
    ("current_version__body", "C"),
    ("attachments_text", "D"),
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _lock(resource: Resource) -> Resource:
    return Resource.objects.select_for_update().get(pk=resource.pk)


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "ressource"
    slug, n = base, 1
    while Resource.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _moderators():
    from sman.permissions import users_with_role

    return User.objects.filter(is_active=True).filter(
        pk__in=users_with_role(permissions.MODERATOR_ROLE).values("pk")
    ) | User.objects.filter(is_active=True, is_staff=True)


def refresh_search(resource_ids) -> int:
    """The stored search vector of these resources, from their published version and attachments (one UPDATE).
    Django cannot join in an UPDATE: the vector is computed in a subquery per row."""
    ids = list(resource_ids)
    if not ids:
        return 0
    annotated = Resource.objects.filter(pk__in=ids).annotate(vector=SEARCH_VECTOR)
    from django.db.models import OuterRef, Subquery

    updated = refresh_search_vector(
        Resource.objects.filter(pk__in=ids),
        Subquery(annotated.filter(pk=OuterRef("pk")).values("vector")[:1]),
    )
    refresh_search_entries(ids)
    return updated


# The narrow row the search reads (``SearchEntry``), from the resource and its many-to-many tables: the public
# resources among ``ids`` get theirs (inserted or replaced), the others lose it. Territories above the chosen ones
# (a commune's EPT, a delegated commune's commune) and the Métropole join the scope the territory filter reads.
SEARCH_ENTRIES_SQL = """
WITH RECURSIVE up(resource_id, territory_id, parent_id) AS (
    SELECT rt.resource_id, t.id, t.parent_id
    FROM resources_resource_territories rt JOIN sman_territory t ON t.id = rt.territory_id
    WHERE rt.resource_id = ANY(%(ids)s)
    UNION  -- the Métropole covers every resource, even one with no territory chosen
    SELECT r.id, t.id, t.parent_id FROM unnest(%(ids)s::bigint[]) AS r(id), sman_territory t WHERE t.kind = 'metropole'
    UNION
    SELECT up.resource_id, t.id, t.parent_id FROM up JOIN sman_territory t ON t.id = up.parent_id
), scope AS (
    SELECT resource_id, array_agg(DISTINCT territory_id ORDER BY territory_id) AS ids FROM up GROUP BY resource_id
), chosen AS (
    SELECT resource_id, array_agg(territory_id ORDER BY territory_id) AS ids FROM resources_resource_territories
    WHERE resource_id = ANY(%(ids)s) GROUP BY resource_id
), defis AS (
    SELECT resource_id, array_agg(challenge_id ORDER BY challenge_id) AS ids FROM resources_resource_challenges
    WHERE resource_id = ANY(%(ids)s) GROUP BY resource_id
), gone AS (
    DELETE FROM resources_searchentry e USING resources_resource r
    WHERE e.resource_id = r.id AND r.id = ANY(%(ids)s) AND r.current_version_id IS NULL
)
INSERT INTO resources_searchentry (resource_id, kind, published_at, published_year, organisation_id, themes,
    challenge_ids, territory_ids, territory_scope, vector)
SELECT r.id, r.kind, r.published_at, r.published_year, r.organisation_id, r.themes, coalesce(d.ids, '{}'),
       coalesce(c.ids, '{}'), coalesce(s.ids, '{}'), r.search_vector
FROM resources_resource r
LEFT JOIN defis d ON d.resource_id = r.id
LEFT JOIN chosen c ON c.resource_id = r.id
LEFT JOIN scope s ON s.resource_id = r.id
WHERE r.id = ANY(%(ids)s) AND r.current_version_id IS NOT NULL
ON CONFLICT (resource_id) DO UPDATE SET kind = EXCLUDED.kind, published_at = EXCLUDED.published_at,
    published_year = EXCLUDED.published_year, organisation_id = EXCLUDED.organisation_id, themes = EXCLUDED.themes,
    challenge_ids = EXCLUDED.challenge_ids, territory_ids = EXCLUDED.territory_ids,
    territory_scope = EXCLUDED.territory_scope, vector = EXCLUDED.vector
"""


def refresh_search_entries(resource_ids) -> None:
    """Write the search's narrow rows of these resources (one statement)."""
    ids = [int(pk) for pk in resource_ids]
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(SEARCH_ENTRIES_SQL, {"ids": ids})


def _link_from_source(resource: Resource) -> None:
    """The link a module's draft gets from its source row (``links.SOURCE_LINKS``), when the module gave none."""
    from django.apps import apps

    from .links import SOURCE_LINKS

    if resource.source_app not in SOURCE_LINKS:
        return
    field, model, path = SOURCE_LINKS[resource.source_app]
    if getattr(resource, f"{field}_id") is None:
        found = apps.get_model(model).objects.filter(pk=resource.source_id).values_list(path, flat=True).first()
        setattr(resource, f"{field}_id", found)


# --- Contributing ---------------------------------------------------------------------------------------------------
def _check_links(fields: dict, *, user: User, current: Resource | None = None) -> None:
    """A resource is about what the public can see (a funded FMIN project, a published solution…) or, for a request
    to the pôle d'ingénierie, what ``user`` reads. A link the resource has already is kept as it is."""
    from .links import LINKS

    errors = {}
    for link in LINKS:
        value = fields.get(link.field)
        if value is None or (current is not None and getattr(current, f"{link.field}_id") == value.pk):
            continue
        if not link.choices(user).filter(pk=value.pk).exists():
            errors[link.field] = link.message
    if errors:
        raise ValidationError(errors)


def _clean_fields(fields: dict, *, user: User, current: Resource) -> dict:
    fields = dict(fields)
    if "body" in fields:
        fields["body"] = clean_html(fields["body"])
    _check_links(fields, user=user, current=current)
    return fields


@transaction.atomic
def resource_create(
    *,
    user: User,
    organisation: Organisation | None,
    kind: str,
    title: str,
    summary: str,
    body: str = "",
    challenges=(),
    themes=(),
    territories=(),
    licence: str = Licence.LO_2,
    **links,
) -> Resource:
    """A draft by ``user`` for ``organisation`` (one they contribute for; staff may leave it empty)."""
    _require(permissions.can_contribute(user))
    if organisation is not None and not permissions.can_moderate(user):  # staff record a collectivity's work
        _require(permissions.contributing_organisations(user).filter(pk=organisation.pk).exists())
    elif not permissions.can_moderate(user):
        raise ValidationError({"organisation": "Choisissez l'organisation pour laquelle vous contribuez."})
    _check_links(links, user=user)
    resource = Resource(
        kind=kind,
        title=title,
        summary=summary,
        body=clean_html(body),
        themes=list(themes),
        licence=licence,
        organisation=organisation,
        author=user,
        slug=_unique_slug(title),
        **links,
    )
    resource.full_clean()
    resource.save()
    resource.challenges.set(challenges)
    resource.territories.set(territories)
    return resource


@transaction.atomic
def resource_update(*, resource: Resource, user: User, challenges=None, territories=None, **fields) -> Resource:
    """The author edits the working copy. Editing a published or refused resource prepares its next version:
    it goes back to draft (the public keeps reading the published version until a moderator publishes)."""
    locked = _lock(resource)
    _require(permissions.can_edit(user, locked))
    for name, value in _clean_fields(fields, user=user, current=locked).items():
        setattr(locked, name, value)
    locked.state = Resource.State.DRAFT
    locked.full_clean()
    locked.save()
    if challenges is not None:
        locked.challenges.set(challenges)
    if territories is not None:
        locked.territories.set(territories)
    return locked


@transaction.atomic
def resource_submit(*, resource: Resource, user: User) -> Resource:
    """The author submits the working copy to the moderators (a first version or an update)."""
    locked = _lock(resource)
    _require(permissions.is_author(user, locked))
    if locked.state not in (Resource.State.DRAFT, Resource.State.REFUSED):
        raise ValidationError("Cette ressource est déjà proposée ou publiée : modifiez-la d'abord.")
    problems = []
    if not locked.summary.strip():
        problems.append("Rédigez un résumé.")
    if not locked.body.strip() and not locked.attachments.exists():
        problems.append("Ajoutez un contenu ou une pièce jointe.")
    if not locked.themes:
        problems.append("Choisissez au moins un thème.")
    if problems:
        raise ValidationError(problems)
    locked.state = Resource.State.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.refusal_reason = ""
    locked.moderator = None
    locked.save()
    url = reverse("resources:moderation")
    notify_many(
        _moderators().exclude(pk=user.pk),
        module=MODULE,
        subject=f"Contribution à relire : « {locked.title} »",
        url=url,
        key=f"resources-submitted-{locked.pk}-{locked.submitted_at:%Y%m%d%H%M%S}",
    )
    return locked


@transaction.atomic
def draft_from_module(
    *,
    kind: str,
    title: str,
    summary: str,
    body: str,
    author: User,
    organisation: Organisation | None,
    source_app: str,
    source_id: int,
    attachment: tuple[str, bytes] | None = None,
    fmin_application=None,
    explorer_project=None,
    working_group=None,
    solution=None,
    action=None,
    engineering_request=None,
    themes=(),
    challenges=(),
    territories=(),
) -> Resource:
    """What another module produced (an FMIN evaluation or final report, an explorer's note, a deliverable of the
    pôle d'ingénierie…) becomes a draft of ``author``, who reviews it and submits it; nothing is published
    without them and a moderator. ``source_app`` (the module's label, e.g. ``"fmin.report"``) and ``source_id``
    (the row's id) identify it: calling twice returns the same draft. ``attachment``: ``(file name, bytes)``;
    the optional links and classification (an FMIN application, an Explorateurs project, a Bâtisseurs group, a
    marketplace solution, an action of the plan, a request to the pôle d'ingénierie, themes, défis, territories) save
    the author typing them again; a source that belongs to one of them (``links.SOURCE_LINKS``: a deliverable of the
    pôle → its request) gives the link when it is not passed."""
    if kind not in Kind.values:
        raise ValueError(f"unknown resource kind {kind!r}")
    existing = Resource.objects.filter(source_app=source_app, source_id=source_id).first()
    if existing is not None:
        return existing
    resource = Resource(
        kind=kind,
        title=title[:200],
        summary=summary[:1500] or title[:200],
        body=clean_html(body),
        author=author,
        organisation=organisation,
        source_app=source_app,
        source_id=source_id,
        slug=_unique_slug(title),
        fmin_application=fmin_application,
        explorer_project=explorer_project,
        working_group=working_group,
        solution=solution,
        action=action,
        engineering_request=engineering_request,
        themes=[t for t in themes if t in Theme.values],
    )
    _link_from_source(resource)
    resource.full_clean()
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError:  # the same source, drafted at the same moment by another process
        return Resource.objects.get(source_app=source_app, source_id=source_id)
    resource.challenges.set(challenges)
    resource.territories.set(territories)
    if attachment is not None:
        name, content = attachment
        _attach(resource, user=author, name=name, content=content)
    notify(
        user=author,
        module=MODULE,
        subject=f"Un brouillon de ressource vous attend : « {resource.title} »",
        body="Relisez-le, complétez-le et proposez-le au centre de ressources.",
        url=reverse("resources:edit", args=[resource.slug]),
        key=f"resources-draft-{resource.pk}",
    )
    return resource


# --- Attachments ----------------------------------------------------------------------------------------------------
def _attach(resource: Resource, *, user: User, name: str, content: bytes) -> Attachment:
    upload = ContentFile(content, name=name)
    AttachmentValidator()(upload)
    attachment = Attachment(
        resource=resource,
        name=name[:200],
        size=len(content),
        checksum=hashlib.sha256(content).hexdigest(),
        text=extract_text(name, content),
        uploaded_by=user,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(*, resource: Resource, user: User, file) -> Attachment:
    """The author attaches a document; on a published resource it becomes public with the next version."""
    locked = _lock(resource)
    _require(permissions.can_edit(user, locked) or (permissions.is_author(user, locked) and not locked.is_public))
    AttachmentValidator()(file)
    file.seek(0)
    attachment = _attach(locked, user=user, name=file.name, content=file.read())
    if locked.state == Resource.State.PUBLISHED:
        locked.state = Resource.State.DRAFT
        locked.save(update_fields=["state", "updated_at"])
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user: User) -> None:
    locked = _lock(attachment.resource)
    _require(permissions.is_author(user, locked) or permissions.can_moderate(user))
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.storage.delete(attachment.file.name))
    if locked.is_public:
        _refresh_attachments_text(locked)


def _refresh_attachments_text(resource: Resource) -> None:
    texts = resource.attachments.filter(published=True).values_list("text", flat=True)
    Resource.objects.filter(pk=resource.pk).update(attachments_text=" ".join(texts)[:1_000_000])
    refresh_search([resource.pk])


# --- Moderation -----------------------------------------------------------------------------------------------------
@transaction.atomic
def review_start(*, resource: Resource, user: User) -> Resource:
    """A moderator takes a submitted contribution in review; another moderator then sees who has it."""
    _require(permissions.can_moderate(user))
    locked = _lock(resource)
    if locked.state == Resource.State.IN_REVIEW and locked.moderator_id not in (None, user.id):
        raise ValidationError(f"{locked.moderator} relit déjà cette contribution.")
    if locked.state not in Resource.AWAITING_MODERATION:
        raise ValidationError("Cette contribution n'attend pas de relecture.")
    locked.state = Resource.State.IN_REVIEW
    locked.moderator = user
    locked.save(update_fields=["state", "moderator", "updated_at"])
    return locked


@transaction.atomic
def comment_add(*, resource: Resource, user: User, text: str) -> ReviewComment:
    """A message between the moderators and the author; the other side finds it in their digest."""
    locked = _lock(resource)
    moderator = permissions.can_moderate(user) and not permissions.is_author(user, locked)
    _require(permissions.is_author(user, locked) or (moderator and permissions.can_view_working_copy(user, locked)))
    if not text.strip():
        raise ValidationError({"text": "Écrivez votre commentaire."})
    comment = ReviewComment.objects.create(resource=locked, author=user, by_moderator=moderator, text=text.strip())
    url = reverse("resources:review", args=[locked.slug])
    if moderator:
        notify(
            user=locked.author,
            module=MODULE,
            subject=f"Un modérateur a commenté « {locked.title} »",
            body=text[:500],
            url=url,
            key=f"resources-comment-{comment.pk}",
        )
    else:
        recipients = [locked.moderator] if locked.moderator else list(_moderators())
        notify_many(
            recipients,
            module=MODULE,
            subject=f"L'auteur de « {locked.title} » a répondu",
            body=text[:500],
            url=url,
            key=f"resources-comment-{comment.pk}",
        )
    return comment


def _decided(locked: Resource) -> None:
    if locked.state not in Resource.AWAITING_MODERATION:
        raise ValidationError("Cette contribution a déjà été traitée par un autre modérateur.")


def _publish(locked: Resource, user: User, change_note: str) -> ResourceVersion:
    now = timezone.now()
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ResourceVersion.objects.create(
        resource=locked,
        number=number,
        title=locked.title,
        summary=locked.summary,
        body=clean_html(locked.body),
        change_note=change_note[:300] or ("Première publication" if number == 1 else ""),
        author=locked.author,
        published_by=user,
        published_at=now,
    )
    locked.current_version = version
    locked.state = Resource.State.PUBLISHED
    locked.moderator = user
    if locked.published_at is None:
        locked.published_at = now
        locked.published_year = timezone.localdate(now).year
    locked.save()
    locked.attachments.filter(published=False).update(published=True)
    _refresh_attachments_text(locked)
    from .selectors import facets_changed

    transaction.on_commit(facets_changed)
    return version


@transaction.atomic
def resource_publish(*, resource: Resource, user: User, change_note: str = "") -> ResourceVersion:
    """Publish the working copy as a new version; the attachments added since become public with it."""
    _require(permissions.can_moderate(user))
    locked = _lock(resource)
    _decided(locked)
    if locked.moderator_id not in (None, user.id) and locked.state == Resource.State.IN_REVIEW:
        raise ValidationError(f"{locked.moderator} relit cette contribution : c'est à lui ou elle de décider.")
    version = _publish(locked, user, change_note)
    send_email_on_commit(
        name="resources_published", context={"resource": locked, "version": version}, to=[locked.author.email]
    )
    return version


@transaction.atomic
def document_publish(*, resource: Resource, user: User, body: str, name: str, content: bytes) -> ResourceVersion:
    """A document the Métropole's staff produced (the annual review): its text and file, published at once as
    the resource's next version, the file replacing the previous one of the same name."""
    _require(permissions.can_moderate(user))
    locked = _lock(resource)
    locked.body = clean_html(body)
    locked.save(update_fields=["body", "updated_at"])
    for previous in locked.attachments.filter(name=name):
        attachment_remove(attachment=previous, user=user)
    _attach(locked, user=user, name=name, content=content)
    return _publish(locked, user, "Bilan produit à partir des indicateurs")


@transaction.atomic
def resource_refuse(*, resource: Resource, user: User, reason: str) -> Resource:
    """Refuse the contribution (or the update: the published version stays) with a reason the author reads."""
    _require(permissions.can_moderate(user))
    if not reason.strip():
        raise ValidationError({"reason": "Motivez le refus : l'auteur le lira."})
    locked = _lock(resource)
    _decided(locked)
    if locked.moderator_id not in (None, user.id) and locked.state == Resource.State.IN_REVIEW:
        raise ValidationError(f"{locked.moderator} relit cette contribution : c'est à lui ou elle de décider.")
    locked.state = Resource.State.REFUSED
    locked.refusal_reason = reason.strip()
    locked.moderator = user
    locked.save()
    send_email_on_commit(name="resources_refused", context={"resource": locked}, to=[locked.author.email])
    return locked


# --- Suggested edits ------------------------------------------------------------------------------------------------
@transaction.atomic
def suggestion_create(*, resource: Resource, user: User, field: str, text: str, message: str = "") -> EditSuggestion:
    _require(permissions.can_suggest(user, resource))
    if field == EditSuggestion.Field.BODY:
        text = clean_html(text)
    if not text.strip():
        raise ValidationError({"text": "Proposez un texte."})
    suggestion = EditSuggestion(resource=resource, proposed_by=user, field=field, text=text, message=message)
    suggestion.full_clean()
    suggestion.save()
    notify(
        user=resource.author,
        module=MODULE,
        subject=f"Une modification est proposée sur « {resource.title} »",
        body=message[:500],
        url=reverse("resources:suggestions", args=[resource.slug]),
        key=f"resources-suggestion-{suggestion.pk}",
    )
    return suggestion


@transaction.atomic
def suggestion_decide(*, suggestion: EditSuggestion, user: User, accept: bool, note: str = "") -> EditSuggestion:
    """The author (or a moderator) accepts or declines. An accepted edit goes into the working copy, which goes
    back to draft: the next version is reviewed like any other."""
    resource = _lock(suggestion.resource)
    locked = EditSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    _require(permissions.can_decide_suggestion(user, resource))
    if locked.state != EditSuggestion.State.PENDING:
        raise ValidationError("Cette suggestion a déjà reçu une réponse.")
    if accept:
        setattr(resource, locked.field, clean_html(locked.text) if locked.field == "body" else locked.text)
        if resource.state in (Resource.State.PUBLISHED, Resource.State.REFUSED):
            resource.state = Resource.State.DRAFT
        resource.full_clean()
        resource.save()
    locked.state = EditSuggestion.State.ACCEPTED if accept else EditSuggestion.State.DECLINED
    locked.decided_by, locked.decided_at, locked.decision_note = user, timezone.now(), note
    locked.save()
    notify(
        user=locked.proposed_by,
        module=MODULE,
        subject=f"Votre suggestion sur « {resource.title} » a été {locked.get_state_display()}",
        body=note[:500],
        url=resource.get_absolute_url(),
        key=f"resources-suggestion-decided-{locked.pk}",
    )
    return locked


# --- Use by collectivities ------------------------------------------------------------------------------------------
@transaction.atomic
def use_mark(*, resource: Resource, user: User, organisation: Organisation, note: str) -> ResourceUse:
    """A collectivity says it applied the resource (« utilisée par N collectivités »)."""
    _require(permissions.can_mark_used(user, resource) and organisation.id in permissions.collectivity_ids_of(user))
    if not note.strip():
        raise ValidationError({"note": "Dites en une phrase ce que votre collectivité en a fait."})
    try:
        with transaction.atomic():
            return ResourceUse.objects.create(resource=resource, organisation=organisation, note=note, marked_by=user)
    except IntegrityError:
        raise ValidationError("Votre collectivité a déjà signalé utiliser cette ressource.") from None


# --- Usage counters (no personal data, no cookie) -------------------------------------------------------------------
def _count(resource_id: int, column: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO resources_dailyusage (resource_id, day, views, downloads)
                VALUES (%s, %s, {int(column == "views")}, {int(column == "downloads")})
                ON CONFLICT (resource_id, day) DO UPDATE SET {column} = resources_dailyusage.{column} + 1""",
            [resource_id, timezone.localdate()],
        )


def view_record(*, resource: Resource) -> None:
    _count(resource.pk, "views")


def download_record(*, resource: Resource) -> None:
    _count(resource.pk, "downloads")


def search_miss_record(*, text: str) -> None:
    """A search with no result: its normalised text only (lower case, single spaces), counted per day."""
    normalised = " ".join(text.lower().split())[:200]
    if not normalised:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO resources_searchmiss (day, query, count) VALUES (%s, %s, 1)
               ON CONFLICT (day, query) DO UPDATE SET count = resources_searchmiss.count + 1""",
            [timezone.localdate(), normalised],
        )


# --- Saved searches and their alerts --------------------------------------------------------------------------------
def saved_search_create(*, user: User, name: str, query: str) -> SavedSearch:
    if not user.is_authenticated:
        raise PermissionDenied
    if not name.strip():
        raise ValidationError({"name": "Donnez un nom à cette recherche."})
    search = SavedSearch(user=user, name=name.strip(), query=query[:1000], checked_until=timezone.now())
    search.full_clean()
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch, user: User) -> None:
    _require(search.user_id == user.id)
    search.delete()


def saved_search_alerts(*, now: datetime | None = None) -> int:
    """For each saved search, the resources first published since it was last checked that match it go to its
    owner's digest (``notify``: one notification per search and batch; the key makes a rerun harmless)."""
    from . import selectors

    now = now or timezone.now()
    sent = 0
    for search in SavedSearch.objects.select_related("user").filter(user__is_active=True).iterator():
        with transaction.atomic():
            locked = SavedSearch.objects.select_for_update(skip_locked=True).filter(pk=search.pk).first()
            if locked is None:
                continue
            found = selectors.search(selectors.SearchParams.from_query(locked.query)).filter(
                published_at__gt=locked.checked_until, published_at__lte=now
            )
            titles = list(found.order_by("-published_at").values_list("current_version__title", flat=True)[:6])
            if titles:
                count = found.count()
                shown = "\n".join(f"- {t}" for t in titles[:5])
                sent += notify(
                    user=search.user,
                    module=MODULE,
                    subject=f"{count} nouvelle{'s' if count > 1 else ''} ressource{'s' if count > 1 else ''} "
                    f"pour « {locked.name} »",
                    body=shown + ("\n…" if count > 5 else ""),
                    url=locked.get_absolute_url() + "&tri=date",
                    key=f"resources-search-{locked.pk}-{now:%Y%m%d%H%M}",
                )
            locked.checked_until = now
            locked.save(update_fields=["checked_until"])
    return sent
