"""Who may do what in the roadmap and the COPIL."""

from sman.permissions import has_role, is_metropole_staff, users_with_role

COPIL_MEMBER_ROLE = "actions.copil_member"  # declared in ActionsConfig.ready()


def is_copil_member(user) -> bool:
    return bool(user.is_authenticated and user.is_active and has_role(user, COPIL_MEMBER_ROLE))


def copil_members():
    """The COPIL members (any state: filter ``is_active`` where it matters)."""
    return users_with_role(COPIL_MEMBER_ROLE)


def can_follow_copil(user) -> bool:
    """The dashboard, sessions and reports: COPIL members and Métropole staff."""
    return is_copil_member(user) or is_metropole_staff(user)


def can_edit_action(user, action) -> bool:
    """An owner updates their own actions only; staff update all of them."""
    if not user.is_authenticated:
        return False
    return is_metropole_staff(user) or action.owners.filter(pk=user.pk).exists()


def can_give_opinion(user) -> bool:
    """Only COPIL members record the COPIL's opinion."""
    return is_copil_member(user)


def can_present(user, review) -> bool:
    return can_edit_action(user, review.action)


def can_manage_sessions(user) -> bool:
    return is_metropole_staff(user)
