from django import forms
from django.utils import timezone

from sman.models import Challenge, Organisation, Territory
from sman.money import EuroField
from sman.validators import DocumentValidator

from .models import Adoption, MemberProfile, Need, Response, Solution, Theme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 4})


def _territories():
    return (
        Territory.objects.filter(kind__in=["metropole", "ept", "commune"])
        .without_geometry()
        .natural_order(by_name=True)
    )


class ThemesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Thèmes", choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
        )


class OrganisationForm(forms.Form):
    """Which of the user's organisations acts (hidden when there is only one)."""

    organisation = forms.ModelChoiceField(
        label="Au nom de",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choisissez l'organisation au nom de laquelle vous agissez."},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
            self.fields["organisation"].widget = forms.HiddenInput()


class NeedForm(forms.ModelForm):
    themes = ThemesField()
    challenge = forms.ModelChoiceField(
        label="Défi du SMAN", queryset=Challenge.objects.all(), required=False, empty_label="Aucun en particulier"
    )
    territory = forms.ModelChoiceField(
        label="Territoire concerné",
        queryset=_territories(),
        error_messages={"required": "Choisissez le territoire concerné."},
    )
    quantity = forms.IntegerField(
        label="Quantité pour votre collectivité",
        min_value=1,
        initial=1,
        help_text="Chaque collectivité qui rejoint le besoin indiquera la sienne (groupement de commandes).",
    )

    class Meta:
        model = Need
        fields = [
            "title",
            "problem",
            "context",
            "expected_outcome",
            "challenge",
            "themes",
            "territory",
            "budget_band",
            "deadline",
            "quantity_unit",
            "procedure",
            "contact_name",
            "contact_email",
        ]
        widgets = {
            "deadline": DATE,
            "problem": TEXT,
            "context": TEXT,
            "expected_outcome": TEXT,
            # RGAA 11.13: the contact is most often the agent who posts the need; the browser can fill it in.
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "procedure": "La plateforme met en relation : elle n'est pas une procédure de passation. "
            "Indiquez celle que votre collectivité envisage.",
            "budget_band": "Facultatif.",
        }
        error_messages = {
            "title": {"required": "Donnez un titre au besoin."},
            "problem": {"required": "Décrivez le problème à résoudre."},
            "expected_outcome": {"required": "Décrivez le résultat attendu."},
            "deadline": {"required": "Indiquez la date limite des réponses.", "invalid": "Date invalide."},
            "contact_name": {"required": "Indiquez le nom du contact."},
            "contact_email": {"required": "Indiquez l'adresse du contact.", "invalid": "Adresse invalide."},
        }

    def __init__(self, *args, buyers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_band"].choices = [("", "Non précisé"), *self.fields["budget_band"].choices[1:]]
        if buyers is not None:
            self.fields["buyer"] = forms.ModelChoiceField(
                label="Collectivité porteuse", queryset=buyers, initial=buyers.first()
            )
            if buyers.count() == 1:
                self.fields["buyer"].widget = forms.HiddenInput()
            self.order_fields(["buyer"])
        else:
            del self.fields["quantity"]

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError("La date limite des réponses doit être aujourd'hui ou plus tard.")
        return deadline


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Votre collectivité", queryset=Organisation.objects.none())
    quantity = forms.IntegerField(label="Quantité pour votre collectivité", min_value=1, initial=1)

    def __init__(self, *args, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = buyers
        if buyers.count() == 1:
            self.fields["organisation"].initial = buyers.first()
            self.fields["organisation"].widget = forms.HiddenInput()


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label="Issue", choices=Need.Outcome.choices, widget=forms.RadioSelect)
    response = forms.ModelChoiceField(
        label="Réponse retenue (si une solution est adoptée)", queryset=Response.objects.none(), required=False
    )
    adopted_on = forms.DateField(label="Date d'adoption", required=False, widget=DATE)
    note = forms.CharField(label="Commentaire (public)", required=False, max_length=2000, widget=TEXT)

    def __init__(self, *args, need, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].queryset = need.responses.filter(solution__isnull=False).select_related(
            "member", "solution"
        )
        self.fields["response"].label_from_instance = lambda r: f"{r.member.name} — {r.solution.title}"

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Need.Outcome.ADOPTED and not data.get("response"):
            self.add_error("response", "Choisissez la réponse dont la solution est adoptée.")
        return data


class ResponseForm(forms.ModelForm):
    price = EuroField(label="Indication de prix (€ HT)", required=False)

    class Meta:
        model = Response
        fields = ["solution", "proposal", "price", "price_note"]
        widgets = {"proposal": forms.Textarea(attrs={"rows": 8})}
        error_messages = {"proposal": {"required": "Décrivez votre proposition."}}

    def __init__(self, *args, solutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["solution"].queryset = solutions
        self.fields["solution"].required = False
        self.fields["solution"].empty_label = "Aucune fiche solution"
        if self.instance.pk:
            self.fields["price"].initial = self.instance.price_cents


class DocumentForm(forms.Form):
    title = forms.CharField(label="Titre du document", max_length=200)
    file = forms.FileField(
        label="Document (PDF, ODT, DOCX ou DOC, 10 Mo au plus)",
        validators=[DocumentValidator()],
        error_messages={"required": "Choisissez un fichier."},
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="Votre question",
        max_length=2000,
        widget=TEXT,
        help_text="La question et sa réponse seront visibles de tous, sans le nom de votre organisation.",
        error_messages={"required": "Écrivez votre question."},
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Réponse (visible de tous)", max_length=4000, widget=TEXT)


class SolutionForm(forms.ModelForm):
    themes = ThemesField()
    challenges = forms.ModelMultipleChoiceField(
        label="Défis du SMAN", queryset=Challenge.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Solution
        fields = [
            "title",
            "problem",
            "audience",
            "description",
            "challenges",
            "themes",
            "price_model",
            "price_note",
            "references",
            "accessibility",
            "accessibility_note",
            "gdpr_note",
            "hosting",
            "hosting_note",
        ]
        widgets = dict.fromkeys(("problem", "description", "references", "gdpr_note"), TEXT)
        error_messages = {
            "title": {"required": "Donnez un nom à la solution."},
            "problem": {"required": "Dites ce que la solution résout."},
            "audience": {"required": "Dites à qui elle s'adresse."},
            "description": {"required": "Décrivez la solution."},
            "price_model": {"required": "Choisissez un modèle de prix."},
            "hosting": {"required": "Indiquez où sont hébergées les données."},
        }


class ProfileForm(forms.ModelForm):
    areas = forms.ModelMultipleChoiceField(
        label="Territoires d'intervention",
        queryset=_territories(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Ctrl ou Cmd pour en choisir plusieurs.",
    )

    class Meta:
        model = MemberProfile
        fields = ["category", "siren", "activity", "references", "areas", "is_listed"]
        widgets = {"activity": TEXT, "references": TEXT}
        error_messages = {
            "category": {"required": "Choisissez une catégorie."},
            "activity": {"required": "Décrivez votre activité."},
        }


class FollowUpForm(forms.Form):
    still_in_use = forms.ChoiceField(
        label="La solution est-elle toujours utilisée ?", choices=Adoption.StillInUse.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="Commentaire", required=False, max_length=2000, widget=TEXT)


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label="Ce que la collectivité doit reprendre",
        max_length=2000,
        widget=TEXT,
        help_text="Envoyé par courriel à la collectivité avec le besoin redevenu brouillon.",
        error_messages={"required": "Indiquez à la collectivité ce qu'elle doit reprendre."},
    )


class ExperimentForm(forms.Form):
    application = forms.ModelChoiceField(
        label="Projet FMIN",
        queryset=None,
        empty_label="Choisissez un projet",
        error_messages={"required": "Choisissez le projet FMIN.", "invalid_choice": "Projet refusé."},
    )
    solution = forms.ModelChoiceField(
        label="Solution expérimentée",
        queryset=None,
        empty_label="Choisissez une solution",
        error_messages={"required": "Choisissez la solution.", "invalid_choice": "Solution refusée."},
    )

    def __init__(self, *args, projects, solutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = projects
        self.fields["solution"].queryset = solutions
        self.fields["solution"].label_from_instance = lambda s: f"{s.title} ({s.member.name})"


class EventForm(forms.ModelForm):
    class Meta:
        from .models import CommunityEvent

        model = CommunityEvent
        fields = ("title", "description", "starts_at", "ends_at", "place", "territory", "seats")
        widgets = {
            "description": TEXT,
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = _territories()

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "La fin doit suivre le début.")
        return data
