"""Who may do what in the resource centre.

- Everyone reads published resources (their current published version, their history and attachments).
- Collectivity agents, digital actors and the Métropole's agents contribute (organisations of those kinds);
  the author edits their resource while it is a draft, refused or published (a new version, reviewed again).
- Moderators (Métropole staff, or holders of the role « Modérateur du centre de ressources ») read every
  contribution once submitted, comment, publish or refuse; drafts belong to their authors alone.
- Anyone signed in suggests an edit to a published resource; its author or a moderator decides.
- A collectivity's agents mark a published resource as applied by their collectivity.
- A draft, submitted, in-review or refused resource that was never published is seen by its author and, once
  submitted, by moderators; nobody else (404, not 403: its existence is not disclosed).
"""

from sman.models import Organisation
from sman.permissions import has_role, is_metropole_staff, organisation_ids_of, organisations_of

from .models import Resource

MODERATOR_ROLE = "resources.moderator"
CONTRIBUTOR_KINDS = (Organisation.Kind.COLLECTIVITY, Organisation.Kind.DIGITAL_ACTOR, Organisation.Kind.METROPOLE)


def can_moderate(user) -> bool:
    return is_metropole_staff(user) or (user.is_authenticated and has_role(user, MODERATOR_ROLE))


def contributing_organisations(user):
    """The organisations a user may contribute for (active collectivities, digital actors, the Métropole)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    ids = set()
    for kind in CONTRIBUTOR_KINDS:
        ids |= organisation_ids_of(user, kind=kind, active=True)
    return Organisation.objects.filter(id__in=ids).order_by("name")


def can_contribute(user) -> bool:
    if not user.is_authenticated:
        return False
    if is_metropole_staff(user):
        return True
    return any(organisation_ids_of(user, kind=kind, active=True) for kind in CONTRIBUTOR_KINDS)


def is_author(user, resource: Resource) -> bool:
    return user.is_authenticated and resource.author_id == user.id


def can_view_working_copy(user, resource: Resource) -> bool:
    """The working copy and its review: the author, and moderators once it left the draft state."""
    if is_author(user, resource):
        return True
    if resource.state == Resource.State.DRAFT and not resource.is_public:
        return False
    return can_moderate(user)


def can_view(user, resource: Resource) -> bool:
    return resource.is_public or can_view_working_copy(user, resource)


def can_edit(user, resource: Resource) -> bool:
    return is_author(user, resource) and resource.state in Resource.EDITABLE


def can_suggest(user, resource: Resource) -> bool:
    return user.is_authenticated and resource.is_public and not is_author(user, resource)


def can_decide_suggestion(user, resource: Resource) -> bool:
    return is_author(user, resource) or can_moderate(user)


def collectivity_ids_of(user) -> set[int]:
    return organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY, active=True)


def collectivities_of(user):
    return organisations_of(user, kind=Organisation.Kind.COLLECTIVITY, active=True)


def can_mark_used(user, resource: Resource) -> bool:
    return resource.is_public and bool(collectivity_ids_of(user))
