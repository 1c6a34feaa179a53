"""Who may import under which operator code, and who decides on an import that waits.

- A network operator's members import only under their own operator's code (its SIREN, else its
  identifier): a file replaces its operator's snapshot and retires the buildings it lacks, so a code
  they do not hold is refused. A member of several operators says which one, among theirs.
- Métropole staff import under any code (API, upload page, and the `import_ftth` command, which only
  people with a shell on the server run), and they alone confirm or cancel an import that waits for
  the confirmation of a mass retirement.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisation_ids_of, organisations_of


def operator_code(operator: Organisation) -> str:
    """The code an operator's buildings are stored under."""
    return operator.siren or operator.slug


def operator_ids_of(user) -> set[int]:
    """Ids of the active network operators the user is a member of (no query once sman has loaded them)."""
    return organisation_ids_of(user, kind=Organisation.Kind.NETWORK_OPERATOR, active=True)


def operators_of(user) -> list[Organisation]:
    """The active network operators the user is a member of."""
    if not operator_ids_of(user):
        return []
    return list(organisations_of(user, kind=Organisation.Kind.NETWORK_OPERATOR, active=True).order_by("name", "pk"))


def operator_for_code(code: str) -> Organisation | None:
    """The operator organisation a code belongs to, if any (a staff import is then listed to its members)."""
    if not code:
        return None
    return (
        Organisation.objects.filter(kind=Organisation.Kind.NETWORK_OPERATOR)
        .filter(Q(siren=code) | Q(slug=code))
        .order_by("pk")
        .first()
    )


def import_operator(user, requested_code: str = "") -> tuple[Organisation | None, str]:
    """(operator, operator code) under which ``user`` imports a file, given the code they asked for (empty:
    none). PermissionDenied when they may not import, or not under that code; ValidationError when they
    are a member of several operators and did not say which."""
    requested_code = requested_code.strip()
    operators = operators_of(user)
    if is_metropole_staff(user):
        if requested_code:
            return operator_for_code(requested_code), requested_code
        if len(operators) == 1:
            return operators[0], operator_code(operators[0])
        return None, ""
    if not operators:
        raise PermissionDenied("Réservé aux opérateurs d'infrastructure et à l'équipe de la Métropole.")
    codes = ", ".join(operator_code(o) for o in operators)
    codes = f"votre code : {codes}" if len(operators) == 1 else f"vos codes : {codes}"
    if requested_code:
        for operator in operators:
            if requested_code in (operator.siren, operator.slug):
                return operator, operator_code(operator)
        raise PermissionDenied(
            f"Vous ne pouvez déposer un fichier que pour votre propre opérateur : le code « {requested_code} » "
            f"n'est pas le sien ({codes})."
        )
    if len(operators) > 1:
        raise ValidationError(
            {
                "operator": f"Vous êtes membre de plusieurs opérateurs : indiquez lequel dans le champ « operator » "
                f"({codes})."
            }  # fmt: skip
        )
    return operators[0], operator_code(operators[0])


def can_decide_import(user) -> bool:
    """Confirm or cancel an import that waits for the confirmation of a mass retirement."""
    return is_metropole_staff(user)
