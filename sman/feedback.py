from django.contrib import messages
from django.core.exceptions import ValidationError


def run_service(request, call, success: str = "") -> bool:
    """Run a service call from a view: its refusal (ValidationError) becomes an error message, success a
    success message. Returns whether it succeeded."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return False
    if success:
        messages.success(request, success)
    return True


def form_service(request, form, call, success: str = "") -> bool:
    """Run a service call with a valid form's data: a refusal (ValidationError) shows on the form, on the
    field it names or at the top; success becomes a message. Returns whether it succeeded."""
    from .forms import add_validation_error

    try:
        call()
    except ValidationError as exc:
        add_validation_error(form, exc)
        return False
    if success:
        messages.success(request, success)
    return True
