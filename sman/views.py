import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import accessibility, selectors, services, tiles
from . import notifications as notes
from .feedback import form_service, run_service
from .forms import ApiTokenForm, MembershipRequestForm, NotificationPreferenceForm, RejectRequestForm
from .health import run_checks
from .jobs import BROKER_UNREACHABLE
from .lists import Listing
from .maps import feature_collection
from .models import ApiToken, MembershipRequest, Organisation, Territory
from .modules import space_panels, territory_panels
from .permissions import can_manage_organisation, is_member


def home(request):
    return render(request, "sman/home.html", {"challenges": selectors.challenges()})


def territory_list(request):
    territories = list(selectors.territory_list_with_communes())
    return render(
        request,
        "sman/territory_list.html",
        {
            "territories": territories,
            "commune_count": sum(len(t.communes) for t in territories),
            "metropole": Territory.objects.without_geometry().filter(kind=Territory.Kind.METROPOLE).first(),
        },
    )


def _feature_collection(territories) -> dict:
    return feature_collection((t.geometry, t.name, t.get_absolute_url()) for t in territories)


def territory_detail(request, code):
    ept = selectors.ept_by_code(code)
    if ept is None:
        raise Http404("Territoire inconnu")
    communes = list(selectors.communes_of(ept))
    return render(
        request,
        "sman/territory_detail.html",
        {
            "territory": ept,
            "communes": communes,
            "map_data": _feature_collection(communes),
            "panels": territory_panels(ept),
            "crumbs": [("Territoires", reverse("territory_list"))],
        },
    )


def commune_detail(request, code):
    commune = selectors.commune_by_code(code)
    if commune is None:
        raise Http404("Commune inconnue")
    return render(
        request,
        "sman/commune_detail.html",
        {
            "commune": commune,
            "delegated": [c for c in commune.children.all() if c.kind == Territory.Kind.DELEGATED_COMMUNE],
            "map_data": _feature_collection([commune]),
            "panels": territory_panels(commune),
            "crumbs": [
                ("Territoires", reverse("territory_list")),
                (commune.parent.name, commune.parent.get_absolute_url()),
            ],
        },
    )


def territory_tile(request, z, x, y):
    """The base map's vector tile (sman/tiles.py): commune and territory outlines with their names."""
    return tiles.tile_response(tiles.tile, z, x, y, max_age=3600)


def static_page(request, template):
    return render(request, f"sman/pages/{template}.html", {"site_url": settings.SITE_URL})


def _audit_context() -> dict:
    audit = accessibility.load_audit()
    return {
        "audit": audit,
        "site_url": settings.SITE_URL,
        "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "accessibility_crumbs": [("Accessibilité", reverse("accessibility"))],
    }


def accessibility_declaration(request):
    """The declaration of accessibility (2019 decree's model), generated from the audit file."""
    context = _audit_context()
    audit = context["audit"]
    return render(
        request,
        "sman/pages/accessibility.html",
        {**context, "non_compliant": audit.non_compliant(), "counts": audit.counts()},
    )


def accessibility_audit(request):
    """The audit's grid: each of the 106 criteria, its result on the sample and how it was checked."""
    return render(request, "sman/pages/accessibility_audit.html", _audit_context())


def accessibility_plan(request):
    """The multi-year plan (« schéma pluriannuel de mise en accessibilité »)."""
    return render(request, "sman/pages/accessibility_plan.html", _audit_context())


def accessibility_actions(request):
    """The year's action plan: every non-compliance of the audit, what will be fixed and by when."""
    context = _audit_context()
    return render(
        request, "sman/pages/accessibility_actions.html", {**context, "actions": context["audit"].non_compliances()}
    )


def site_map(request):
    """The site map (RGAA 12.1, 12.3): every section of the menu and the portal's general pages."""
    return render(request, "sman/pages/site_map.html")


@never_cache
def healthz(request):
    healthy, checks = run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@login_required
def dashboard(request):
    return render(
        request,
        "sman/dashboard.html",
        {
            "memberships": selectors.memberships_of(request.user),
            "requests": selectors.pending_requests_of(request.user),
            "space_panels": space_panels(request),
            "unread_notifications": selectors.unread_notifications_count(request.user),
        },
    )


@login_required
def membership_request_create(request):
    form = MembershipRequestForm(request.POST or None, initial={"organisation": request.GET.get("organisation")})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_request_create(
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                job_title=form.cleaned_data["job_title"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            form.add_error("organisation", exc)
        else:
            messages.success(
                request,
                "Votre demande a été envoyée. Vous recevrez un courriel dès qu'un administrateur l'aura traitée.",
            )
            return redirect("dashboard")
    return render(request, "sman/membership_request_form.html", {"form": form})


@login_required
@require_POST
def membership_request_cancel(request, pk):
    membership_request = get_object_or_404(MembershipRequest, pk=pk, user=request.user)
    run_service(
        request,
        lambda: services.membership_request_cancel(request=membership_request, user=request.user),
        "Votre demande a été retirée.",
    )
    return redirect("dashboard")


@login_required
def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.select_related("territory"), slug=slug)
    can_manage = can_manage_organisation(request.user, organisation)
    if not (can_manage or is_member(request.user, organisation)):
        raise PermissionDenied
    return render(
        request,
        "sman/organisation_detail.html",
        {
            "organisation": organisation,
            "members": selectors.organisation_members(organisation),
            "pending": selectors.pending_requests_for(organisation) if can_manage else None,
            "can_manage": can_manage,
        },
    )


def _request_to_decide(request, pk) -> MembershipRequest:
    membership_request = get_object_or_404(MembershipRequest.objects.select_related("organisation", "user"), pk=pk)
    if not can_manage_organisation(request.user, membership_request.organisation):
        raise PermissionDenied
    return membership_request


@login_required
@require_POST
def membership_request_approve(request, pk):
    membership_request = _request_to_decide(request, pk)
    run_service(
        request,
        lambda: services.membership_request_approve(request=membership_request, decided_by=request.user),
        f"{membership_request.user.email} est désormais membre.",
    )
    return redirect("organisation_detail", slug=membership_request.organisation.slug)


@login_required
def membership_request_reject(request, pk):
    """GET: confirmation page; POST: the refusal itself."""
    membership_request = _request_to_decide(request, pk)
    form = RejectRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run_service(
            request,
            lambda: services.membership_request_reject(
                request=membership_request, decided_by=request.user, note=form.cleaned_data["note"]
            ),
            "La demande a été refusée ; le demandeur en est informé.",
        )
        return redirect("organisation_detail", slug=membership_request.organisation.slug)
    return render(request, "sman/membership_request_reject.html", {"form": form, "req": membership_request})


def admin_login(request, extra_context=None):
    """The admin's own login form is closed: everyone signs in through allauth (rate limits, TOTP)."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied("L'administration est réservée à l'équipe de la Métropole.")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@login_required
@never_cache
def api_tokens(request):
    """The user's API tokens: list, creation (the key is shown once, on the answer to the form), revocation."""
    form = ApiTokenForm(request.POST or None, scopes=selectors.api_token_scopes_for(request.user))
    created = {}

    def create():
        created["token"], created["key"] = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )

    if request.method == "POST" and form.is_valid() and form_service(request, form, create):
        return render(request, "sman/api_token_created.html", created)  # never cached (never_cache)
    return render(request, "sman/api_tokens.html", {"form": form, "tokens": selectors.api_tokens_of(request.user)})


@login_required
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    if request.method == "POST":
        run_service(
            request,
            lambda: services.api_token_revoke(token=token, user=request.user),
            f"Le jeton « {token.name} » est révoqué : il ne permet plus aucun accès.",
        )
        return redirect("api_tokens")
    return render(request, "sman/api_token_revoke.html", {"token": token})


# What makes the portal unavailable rather than broken: its database or Redis (cache, Celery broker)
# cannot be reached. Those errors answer 503 (« réessayez »), not 500.
UNAVAILABLE = (OperationalError, InterfaceError, *BROKER_UNREACHABLE)
logger = logging.getLogger(__name__)


def server_error(request):
    """handler500: a French page, 503 when a dependency is down. Rendered without the request's context
    processors, which would query the database that may be the cause."""
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        logger.error("Service indisponible : %s", exc)
        body = loader.render_to_string("503.html")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": "Service momentanément indisponible, réessayez dans quelques minutes."})
        else:
            response = HttpResponse(body)
        response.status_code = 503
        response["Retry-After"] = "60"
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)


@login_required
def notifications(request):
    """The person's notifications of every module, newest first, and how often the digest e-mails them."""
    preference = notes.preference_of(request.user)
    form = NotificationPreferenceForm(request.POST or None, initial={"frequency": preference.frequency})
    if request.method == "POST":
        if "read" in request.POST:
            notes.mark_all_read(user=request.user)
            messages.success(request, "Toutes vos notifications sont marquées comme lues.")
            return redirect("notifications")
        if form.is_valid():
            notes.preference_set(user=request.user, frequency=form.cleaned_data["frequency"])
            messages.success(request, "Votre choix est enregistré.")
            return redirect("notifications")
    listing = Listing(request, selectors.notifications_of(request.user), page_size=30)
    return render(request, "sman/notifications.html", {**listing.context(), "preference_form": form})


@csrf_exempt  # the link's token is the credential; mail clients post here with no session (RFC 8058)
@never_cache
def notifications_unsubscribe(request, token):
    preference = selectors.notification_preference_by_token(token)
    if preference is None:
        return render(request, "sman/notifications_unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        notes.unsubscribe(token=token)
        return render(request, "sman/notifications_unsubscribe.html", {"done": True})
    return render(request, "sman/notifications_unsubscribe.html", {"preference": preference})
