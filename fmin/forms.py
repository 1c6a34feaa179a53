from django import forms

from sman.models import Challenge, Organisation, Territory
from sman.money import EuroField

from . import services
from .models import APPLICANT_KINDS, Application, BudgetLine, Call, Decision, ExpenseType, FollowUpReport, FundingLine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CallAdminForm(forms.ModelForm):
    """The admin's form of a call: its programme and the organisations it accepts, as boxes to tick."""

    applicant_kinds = forms.TypedMultipleChoiceField(
        label="Porteurs acceptés",
        choices=[(kind.value, kind.label) for kind in APPLICANT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        initial=[Organisation.Kind.COLLECTIVITY.value],
        error_messages={"required": "Choisissez au moins un type de porteur."},
        help_text="Le FMIN accepte les collectivités ; un autre programme peut ouvrir l'appel à d'autres porteurs.",
    )

    class Meta:
        model = Call
        fields = [
            "programme", "year", "title", "description", "envelope_cents", "opens_on", "closes_on", "is_published",
            "applicant_kinds", "requires_working_group", "eligible_expense_types", "regulation",
            "max_grant_share_bp", "min_own_share_bp", "cap_single_cents", "cap_joint_cents", "score_max",
            "disagreement_threshold",
        ]  # fmt: skip


class CallForm(forms.ModelForm):
    envelope = EuroField(label="Enveloppe (€)", initial=100_000_000)

    class Meta:
        model = Call
        fields = ["year", "title", "description", "opens_on", "closes_on", "is_published", "regulation"]
        widgets = {"opens_on": DATE, "closes_on": DATE, "description": forms.Textarea(attrs={"rows": 4})}


class ApplicationStartForm(forms.Form):
    lead = forms.ModelChoiceField(
        label="Collectivité cheffe de file",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choisissez la collectivité qui porte le projet."},
    )
    title = forms.CharField(label="Titre du projet", max_length=200)

    def __init__(self, *args, collectivities, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = collectivities
        self.fields["title"].error_messages["required"] = "Donnez un titre au projet."
        if call is not None and not call.only_collectivities:
            self.fields["lead"].label = "Organisation cheffe de file"
            self.fields["lead"].error_messages["required"] = "Choisissez l'organisation qui porte le projet."


class ApplicationForm(forms.ModelForm):
    """The text of the file. Drafts may be incomplete: completeness is checked on submission."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    challenges = forms.ModelMultipleChoiceField(
        label="Défis du SMAN", queryset=Challenge.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    territories = forms.ModelMultipleChoiceField(
        label="Territoires de l'expérimentation",
        queryset=Territory.objects.filter(kind__in=["commune", "ept"]).without_geometry().natural_order(by_name=True),
        required=False,
        help_text="Communes ou territoires où se déroule l'expérimentation (Ctrl ou Cmd pour en choisir plusieurs).",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    lead_cost = EuroField(
        label="Part du coût portée par la cheffe de file (€ HT)",
        required=False,
        help_text="Projet commun seulement : la part des dépenses éligibles que votre collectivité porte.",
    )
    lead_request = EuroField(label="Subvention demandée par la cheffe de file (€)", required=False)

    class Meta:
        model = Application
        fields = [
            "title",
            "theme",
            "irritant",
            "experiment",
            "method",
            "challenges",
            "territories",
            "starts_on",
            "ends_on",
            "evaluation_design",
            "indicators",
            "sharing_plan",
            "internal_team",
            "summary",
            "commits_to_evaluate",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 4})
                for name in (
                    "irritant",
                    "experiment",
                    "method",
                    "evaluation_design",
                    "indicators",
                    "sharing_plan",
                    "internal_team",
                    "summary",
                )
            },
        }
        help_texts = {
            "irritant": "Le problème rencontré sur le territoire, pour les usagers ou les services.",
            "method": "Étapes, calendrier, conditions de réussite et d'arrêt.",
            "evaluation_design": "Comment l'impact (externalités, retour sur investissement) et la répliquabilité "
            "à l'échelle métropolitaine seront mesurés.",
            "summary": "Quelques lignes publiées sur la carte des projets si le projet est financé.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Donnez un titre au projet."

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "La fin doit suivre le début.")
        return data


class BudgetLineForm(forms.Form):
    expense_type = forms.ChoiceField(label="Type de dépense", choices=[("", "—")] + ExpenseType.choices)
    label = forms.CharField(label="Libellé", max_length=200)
    amount_ht = EuroField(label="Montant HT (€)")
    amount_ttc = EuroField(label="Montant TTC (€)")

    def clean(self):
        data = super().clean()
        ht, ttc = data.get("amount_ht"), data.get("amount_ttc")
        if ht is not None and ttc is not None and ttc < ht:
            self.add_error("amount_ttc", "Le montant TTC ne peut être inférieur au montant HT.")
        return data

    def as_row(self) -> dict:
        d = self.cleaned_data
        return {
            "expense_type": d["expense_type"],
            "label": d["label"],
            "amount_ht_cents": d["amount_ht"],
            "amount_ttc_cents": d["amount_ttc"],
        }

    @staticmethod
    def initial_of(line: BudgetLine) -> dict:
        return {
            "expense_type": line.expense_type,
            "label": line.label,
            "amount_ht": line.amount_ht_cents,
            "amount_ttc": line.amount_ttc_cents,
        }


class FundingLineForm(forms.Form):
    source = forms.ChoiceField(label="Origine", choices=[("", "—")] + FundingLine.Source.choices)
    funder = forms.CharField(label="Financeur", max_length=200)
    amount = EuroField(label="Montant (€)")

    def as_row(self) -> dict:
        d = self.cleaned_data
        return {"source": d["source"], "funder": d["funder"], "amount_cents": d["amount"]}

    @staticmethod
    def initial_of(line: FundingLine) -> dict:
        return {"source": line.source, "funder": line.funder, "amount": line.amount_cents}


class CoApplicantForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Collectivité co-porteuse", queryset=Organisation.objects.filter(kind=Organisation.Kind.COLLECTIVITY)
    )
    cost_share = EuroField(label="Part du coût (€ HT)")
    request = EuroField(label="Subvention demandée (€)")

    def as_row(self) -> dict:
        d = self.cleaned_data
        return {"organisation": d["organisation"], "cost_share_cents": d["cost_share"], "request_cents": d["request"]}


class BaseLinesFormSet(forms.BaseFormSet):
    def rows(self) -> list:
        # An untouched extra line has no cleaned data; lines loaded from the file always have.
        return [f.as_row() for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]


def _formset(form, extra=2):
    return forms.formset_factory(form, formset=BaseLinesFormSet, extra=extra, can_delete=True, max_num=50)


BudgetFormSet = _formset(BudgetLineForm)
FundingFormSet = _formset(FundingLineForm)
CoApplicantFormSet = _formset(CoApplicantForm, 1)


class DraftForms:
    """The application form and its three formsets, bound together; ``draft()`` gives the service's input."""

    def __init__(self, application: Application, data=None):
        self.application = application
        participants = list(application.participants.all())
        lead = next(p for p in participants if p.is_lead)
        self.form = ApplicationForm(
            data,
            instance=application,
            initial={
                "version": application.version,
                "lead_cost": lead.cost_share_cents,
                "lead_request": lead.request_cents,
            },
        )
        # Posted lines are the whole truth (each save replaces them all): no initial values then, or a line
        # posted again unchanged (autosave, then the button) would count as untouched and be dropped.
        bound = data is not None
        self.budget = BudgetFormSet(
            data,
            prefix="budget",
            initial=None if bound else [BudgetLineForm.initial_of(x) for x in application.budget_lines.all()],
        )
        self.funding = FundingFormSet(
            data,
            prefix="funding",
            initial=None if bound else [FundingLineForm.initial_of(x) for x in application.funding_lines.all()],
        )
        self.co_applicants = CoApplicantFormSet(
            data,
            prefix="co",
            initial=None
            if bound
            else [
                {"organisation": p.organisation_id, "cost_share": p.cost_share_cents, "request": p.request_cents}
                for p in participants
                if not p.is_lead
            ],
        )
        call = application.call
        for f in self.co_applicants.forms:
            f.fields["organisation"].queryset = Organisation.objects.filter(kind__in=call.applicant_kinds).exclude(
                pk=application.lead_id
            )
            if not call.only_collectivities:
                f.fields["organisation"].label = "Organisation co-porteuse"

    @property
    def formsets(self):
        return [self.budget, self.funding, self.co_applicants]

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), self.budget.is_valid(), self.funding.is_valid(), self.co_applicants.is_valid()]
        return all(results)

    @property
    def error_count(self) -> int:
        count = len(self.form.errors)
        for formset in (self.budget, self.funding, self.co_applicants):
            count += sum(len(e) for e in formset.errors) + len(formset.non_form_errors())
        return count

    def draft(self) -> services.Draft:
        data = self.form.cleaned_data
        fields = {name: data[name] for name in ApplicationForm.Meta.fields if name not in ("challenges", "territories")}
        return services.Draft(
            fields=fields,
            challenges=list(data["challenges"]),
            territories=list(data["territories"]),
            lead_cost_cents=data["lead_cost"] or 0,
            lead_request_cents=data["lead_request"] or 0,
            budget_lines=self.budget.rows(),
            funding_lines=self.funding.rows(),
            co_applicants=self.co_applicants.rows(),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motif (facultatif)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EligibilityForm(forms.Form):
    note = forms.CharField(
        label="Motif (obligatoire si un point n'est pas vérifié)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = services.eligibility_items(call) if call is not None else services.ELIGIBILITY_ITEMS
        fields = {code: forms.BooleanField(label=label, required=False) for code, label in self.items}
        self.fields = {**fields, **self.fields}

    def checklist(self) -> dict:
        return {code: self.cleaned_data[code] for code, _ in self.items}


class CorrectionsForm(forms.Form):
    message = forms.CharField(
        label="Ce que le porteur doit compléter", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class AssignmentForm(forms.Form):
    reviewer = forms.ModelChoiceField(label="Évaluateur", queryset=None)

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label="Nature du conflit d'intérêts", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    """One note and one comment per criterion, and an overall assessment."""

    comment = forms.CharField(
        label="Appréciation générale", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, criteria, score_max, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        choices = [("", "—")] + [(str(i), str(i)) for i in range(score_max + 1)]
        for c in self.criteria:
            saved = scores.get(c.id)
            self.fields[f"score_{c.id}"] = forms.TypedChoiceField(
                label=f"{c.label} — note sur {score_max}",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=c.guidance,
                initial=saved.value if saved else None,
            )
            self.fields[f"comment_{c.id}"] = forms.CharField(
                label=f"{c.label} — commentaire",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=saved.comment if saved else "",
            )

    def scores(self) -> dict:
        return {c.id: (self.cleaned_data[f"score_{c.id}"], self.cleaned_data[f"comment_{c.id}"]) for c in self.criteria}


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="Décision", choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    amount = EuroField(label="Subvention accordée (€)", required=False, help_text="Si le projet est financé.")
    reason = forms.CharField(label="Motivation", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(forms.ModelForm):
    class Meta:
        model = FollowUpReport
        fields = ["progress", "impact", "externalities", "replicability"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


class JoinGroupForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Collectivité", queryset=Organisation.objects.none())
    accepts_charter = forms.BooleanField(
        label="Notre collectivité signe la convention du groupe et ouvrira à toutes les collectivités du Grand Paris "
        "les briques expérimentales qu'elle co-crée.",
        required=False,
    )

    def __init__(self, *args, collectivities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = collectivities


class WorkshopForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Collectivité", queryset=Organisation.objects.none())

    def __init__(self, *args, collectivities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = collectivities
