"""Pages of an action's owners: follow-up, milestones, budget, indicators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from sman.feedback import form_service
from sman.forms import add_validation_error

from .. import indicator_templates, permissions, services
from ..forms import (
    ActionFollowForm,
    BudgetLineFormSet,
    IndicatorForm,
    IndicatorValueForm,
    MilestoneFormSet,
    NewMilestoneForm,
)
from ..models import Action, Indicator
from .common import action_or_404, plan_crumbs


def _editable_action(request, roadmap, number) -> Action:
    action = action_or_404(roadmap, number)
    if not permissions.can_edit_action(request.user, action):
        raise PermissionDenied
    return action


@login_required
def action_follow(request, roadmap, number):
    action = _editable_action(request, roadmap, number)
    data = request.POST or None
    form = ActionFollowForm(data, instance=action)
    milestones = MilestoneFormSet(data, queryset=action.milestones.all(), prefix="jalons")
    budget = BudgetLineFormSet(data, instance=action, prefix="budget")
    new_milestone = NewMilestoneForm(data)
    valid = form.is_valid() and milestones.is_valid() and budget.is_valid() and new_milestone.is_valid()
    if request.method == "POST" and valid:
        try:
            with transaction.atomic():
                services.action_update(action=action, user=request.user, **form.cleaned_data)
                services.milestones_and_budget_save(action=action, user=request.user, formsets=[milestones, budget])
                if new_milestone.has_changed():
                    services.milestone_add(action=action, user=request.user, milestone=new_milestone.instance)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Le suivi de l'action est enregistré.")
            return redirect(action.get_absolute_url())
    return render(
        request,
        "actions/action_follow.html",
        {
            "action": action,
            "form": form,
            "milestones": milestones,
            "new_milestone": new_milestone,
            "budget": budget,
            "crumbs": plan_crumbs(action),
        },
    )


@login_required
def indicator_edit(request, roadmap, number, pk=None):
    action = _editable_action(request, roadmap, number)
    indicator = (
        get_object_or_404(Indicator, pk=pk, action=action) if pk else Indicator(action=action, owner=request.user)
    )
    initial = {}
    template_index = request.GET.get("modele", "")
    if pk is None and template_index.isdigit() and int(template_index) < len(indicator_templates.TEMPLATES):
        name, kind, unit, definition = indicator_templates.TEMPLATES[int(template_index)]
        initial = {"name": name, "kind": kind, "unit": unit, "definition": definition}
    form = IndicatorForm(request.POST or None, instance=indicator, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.indicator_save(indicator=form.instance, user=request.user),
            "L'indicateur est enregistré.",
        )
    ):
        return redirect(action.get_absolute_url() + "#indicateurs")
    return render(
        request,
        "actions/indicator_form.html",
        {
            "action": action,
            "form": form,
            "templates": indicator_templates.TEMPLATES,
            "indicator": indicator,
            "crumbs": plan_crumbs(action),
        },
    )


@login_required
def indicator_value_add(request, roadmap, number, pk):
    action = _editable_action(request, roadmap, number)
    indicator = get_object_or_404(Indicator, pk=pk, action=action)
    form = IndicatorValueForm(request.POST or None, initial={"date": timezone.localdate()})
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.indicator_value_add(
                indicator=indicator,
                user=request.user,
                value=form.cleaned_data["value"],
                on=form.cleaned_data["date"],
                comment=form.cleaned_data["comment"],
            ),
            "La valeur est enregistrée.",
        )
    ):
        return redirect(action.get_absolute_url() + "#indicateurs")
    return render(
        request,
        "actions/indicator_value_form.html",
        {"action": action, "indicator": indicator, "form": form, "crumbs": plan_crumbs(action)},
    )
