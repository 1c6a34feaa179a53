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
