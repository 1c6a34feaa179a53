from django import forms
from django.forms import inlineformset_factory, modelformset_factory

from sman import indicators
from sman.models import User
from sman.money import EuroField

from .models import (
    Action,
    ActionReview,
    BudgetLine,
    CopilSession,
    Indicator,
    IndicatorValue,
    Milestone,
    Recommendation,
)
from .permissions import copil_members

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionFollowForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["status", "progress", "notes", "collectivities"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "collectivities": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "collectivities": "Les collectivités qui prennent part à l'action (Ctrl ou Cmd pour en choisir plusieurs)."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collectivities"].queryset = self.fields["collectivities"].queryset.order_by("name")


class NewMilestoneForm(forms.ModelForm):
    """A milestone an owner adds (a partner-led action without an Annex 2 sheet has none from the reference data).
    Left empty, nothing is added."""

    class Meta:
        model = Milestone
        fields = ["title", "planned_start", "planned_end", "actual_date"]
        widgets = {"planned_start": DATE, "planned_end": DATE, "actual_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="nouveau-jalon", **kwargs)
        self.empty_permitted = True
        self.use_required_attribute = False


MilestoneFormSet = modelformset_factory(Milestone, fields=["actual_date"], extra=0, widgets={"actual_date": DATE})


class BudgetLineForm(forms.ModelForm):
    """Amounts typed in euros with a French decimal comma, stored in cents."""

    allocated_cents = EuroField(label="Alloué (€)")
    committed_cents = EuroField(label="Engagé (€)")
    spent_cents = EuroField(label="Dépensé (€)")

    class Meta:
        model = BudgetLine
        fields = ["year", "allocated_cents", "committed_cents", "spent_cents"]


BudgetLineFormSet = inlineformset_factory(Action, BudgetLine, form=BudgetLineForm, extra=1, can_delete=False)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "name", "definition", "kind", "unit", "baseline", "target_value", "target_date",
            "source", "frequency", "provider_key",
        ]  # fmt: skip
        widgets = {"target_date": DATE, "definition": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_key"] = forms.ChoiceField(
            label="Calcul automatique",
            required=False,
            choices=[("", "Aucun : valeurs saisies par le responsable")] + indicators.choices(),
            help_text="Une valeur est alors enregistrée automatiquement chaque jour.",
        )
        for name in ("unit", "target_value", "target_date"):
            self.fields[name].required = True
        self.fields["unit"].error_messages["required"] = "Un indicateur SMART est mesurable : précisez son unité."
        self.fields["target_value"].error_messages["required"] = "Un indicateur SMART fixe une valeur cible."
        self.fields["target_date"].error_messages["required"] = "Fixez l'échéance de la cible."


class IndicatorValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["date", "value", "comment"]
        widgets = {"date": DATE}


class SessionCreateForm(forms.ModelForm):
    class Meta:
        model = CopilSession
        fields = ["year", "semester", "date"]
        widgets = {"date": DATE}


class SessionUpdateForm(forms.ModelForm):
    attendees = forms.ModelMultipleChoiceField(
        label="Présents",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CopilSession
        fields = ["minutes", "attendees"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        members = Q(pk__in=copil_members().values("pk"))
        self.fields["attendees"].queryset = User.objects.filter(members | Q(is_staff=True)).order_by(
            "last_name", "email"
        )


class OpinionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ActionReview
        fields = ["progress", "schedule_status", "budget_status", "justification", "opinion", "reasons"]
        widgets = {
            "opinion": forms.RadioSelect,
            "justification": forms.Textarea(attrs={"rows": 3}),
            "reasons": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"justification": "Obligatoire si vous modifiez l'avancement ou les respects préremplis."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opinion"].choices = ActionReview.Opinion.choices
        self.fields["opinion"].required = True
        self.fields["opinion"].error_messages["required"] = "Choisissez l'avis du COPIL."
        self.fields["reasons"].required = True
        self.fields["reasons"].error_messages["required"] = "Motivez l'avis du COPIL."
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version


class PresentationForm(forms.ModelForm):
    class Meta:
        model = ActionReview
        fields = ["owner_presentation"]
        widgets = {"owner_presentation": forms.Textarea(attrs={"rows": 4})}


class CorrectionForm(forms.Form):
    opinion = forms.ChoiceField(label="Avis corrigé", choices=ActionReview.Opinion.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Motif de la correction", widget=forms.Textarea(attrs={"rows": 3}))


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["programme", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ObservatoryTerritoryForm(forms.Form):
    """The observatory's choice of a place: a plain GET form, so that it works without JavaScript."""

    territoire = forms.ChoiceField(
        label="Territoire ou commune",
        help_text="La Métropole, un des 12 territoires ou une commune (classées par territoire).",
        error_messages={
            "invalid_choice": "Territoire inconnu : choisissez la Métropole, un territoire ou une commune."
        },
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territoire"].choices = choices
