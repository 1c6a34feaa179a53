"""Forms of the participation pages (French labels and messages; the services hold the rules)."""

from django import forms
from django.contrib.gis.geos import Point

from sman.models import Territory
from sman.money import EuroField
from sman.validators import DocumentValidator

from .models import Budget, ModerationCase, Phase, Proposal, Question, Report, Result
from .validators import ImageValidator


class PointFields(forms.Form):
    """Optional latitude/longitude (filled by a click on the map, or typed), cleaned to ``point``."""

    latitude = forms.FloatField(
        label="Latitude",
        required=False,
        min_value=48.0,
        max_value=49.5,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label="Longitude", required=False, min_value=1.5, max_value=3.5, widget=forms.NumberInput(attrs={"step": "any"})
    )

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError("Donnez la latitude et la longitude, ou aucune des deux.")
        data["point"] = Point(lon, lat, srid=4326) if lat is not None else None
        return data


class ProposalForm(PointFields):
    title = forms.CharField(
        label="Titre",
        max_length=150,
        help_text="En une phrase : ce que vous proposez.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-similar": ""}),
    )
    body = forms.CharField(label="Description", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ChoiceField(label="Catégorie", required=False)
    address_search = forms.CharField(
        label="Adresse du lieu",
        required=False,
        max_length=200,
        help_text="Par exemple « 12 rue de Paris Montreuil », puis « Chercher l'adresse » ; ou cliquez sur la carte.",
    )
    image = forms.FileField(
        label="Image (facultatif)",
        required=False,
        validators=[ImageValidator(max_mb=5)],
        help_text="PNG, JPEG ou WebP, 5 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    image_alt = forms.CharField(
        label="Texte de remplacement de l'image",
        required=False,
        max_length=250,
        help_text="Obligatoire avec une image : ce qu'elle montre, pour qui ne la voit pas.",
    )

    field_order = ["title", "body", "category", "address_search", "latitude", "longitude", "image", "image_alt"]

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        if process.categories:
            self.fields["category"].choices = [("", "— choisir —"), *((c, c) for c in process.categories)]
            self.fields["category"].required = True
        else:
            del self.fields["category"]
        self.fields["latitude"].help_text = "Facultatif : le lieu concerné, dans le périmètre de la démarche."

    def clean(self):
        data = super().clean()
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error(
                "image_alt", "Décrivez l'image en quelques mots : ce texte la remplace pour qui ne la voit pas."
            )
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label="Votre commentaire", max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="Motif du signalement", choices=Report.Reason.choices, widget=forms.RadioSelect)
    details = forms.CharField(
        label="Précisions (facultatif)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="Réponse de la collectivité",
        widget=forms.RadioSelect,
        choices=[c for c in Proposal.Answer.choices if c[0]],
    )
    text = forms.CharField(
        label="Motif, explications", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    estimated_cost = EuroField(
        label="Coût estimé (€)", required=False, help_text="Obligatoire si la proposition est retenue."
    )


class ModerationForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        label="Contributions",
        queryset=ModerationCase.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins une contribution."},
    )
    decision = forms.ChoiceField(
        label="Décision",
        widget=forms.RadioSelect,
        choices=[("hide", "Masquer (contraire à la charte)"), ("keep", "Maintenir (signalement non fondé)")],
    )
    reason = forms.CharField(
        label="Motif publié dans le journal de modération", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = queue


class BlockForm(forms.Form):
    reason = forms.CharField(label="Motif du blocage", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class BallotForm(PointFields):
    projects = forms.TypedMultipleChoiceField(
        label="Projets choisis",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un projet."},
    )
    address = forms.CharField(label="Votre adresse", required=False, max_length=300)

    field_order = ["projects", "address", "latitude", "longitude"]

    def __init__(self, *args, budget: Budget, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [(p.pk, p.title) for p in projects]
        if not budget.residents_only:
            for name in ("address", "latitude", "longitude"):
                del self.fields[name]
        else:
            self.fields["address"].help_text = (
                "Ce vote est réservé aux habitants : l'adresse et sa position sont vérifiées dans le contour de la "
                "commune, puis effacées à la clôture du vote."
            )


class PaperBallotForm(forms.Form):
    reference = forms.CharField(label="Numéro du bulletin papier", max_length=40)
    projects = forms.TypedMultipleChoiceField(label="Projets cochés", coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [(p.pk, p.title) for p in projects]


class ResidenceForm(PointFields):
    commune = forms.ModelChoiceField(
        label="Votre commune",
        queryset=Territory.objects.communes().without_geometry().natural_order(by_name=True),
        empty_label="— choisir —",
    )
    address = forms.CharField(label="Adresse (facultatif)", required=False, max_length=300)

    field_order = ["commune", "address", "latitude", "longitude"]


class ResultForm(forms.Form):
    status = forms.ChoiceField(label="État", choices=Result.Status.choices)
    progress = forms.IntegerField(label="Avancement (%)", min_value=0, max_value=100)
    description = forms.CharField(
        label="Où en est-on ?", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    delivered_on = forms.DateField(label="Réalisé le", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Étape", max_length=200)
    planned_on = forms.DateField(label="Prévue le", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    done_on = forms.DateField(label="Réalisée le", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Je confirme", error_messages={"required": "Cochez la case pour confirmer."})


PHASE_COMPONENTS = {
    "information": [],
    "proposals": ["proposals", "supports", "comments"],
    "deliberation": ["comments"],
    "vote": ["budget"],
    "results": ["results"],
}


class ProcessForm(forms.Form):
    """A new process of a space: its scope within the collectivity's territory, and the dates of its phases (a
    phase without dates is skipped); each phase opens the components that belong to it."""

    title = forms.CharField(label="Titre", max_length=200)
    slug = forms.SlugField(label="Identifiant dans l'adresse", max_length=120, help_text="Lettres, chiffres et tirets.")
    summary = forms.CharField(label="Résumé", max_length=400)
    description = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Titres, listes et liens sont gardés ; le reste est retiré.",
    )
    territories = forms.ModelMultipleChoiceField(
        label="Périmètre",
        queryset=Territory.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez le périmètre de la démarche."},
    )
    categories = forms.CharField(
        label="Catégories des propositions", required=False, help_text="Séparées par des virgules."
    )
    supports_per_user = forms.IntegerField(label="Soutiens par personne", min_value=1, max_value=100, initial=10)
    support_threshold = forms.IntegerField(label="Seuil de soutiens", min_value=1, initial=50)

    def __init__(self, *args, space, **kwargs):
        super().__init__(*args, **kwargs)
        home = space.organisation.territory
        self.fields["territories"].queryset = (
            Territory.objects.within(home).exclude(kind="delegated_commune").without_geometry().natural_order()
        )
        for kind, label in Phase.Kind.choices:
            self.fields[f"{kind}_starts_on"] = forms.DateField(
                label=f"{label.capitalize()} : début", required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{kind}_ends_on"] = forms.DateField(
                label=f"{label.capitalize()} : fin", required=False, widget=forms.DateInput(attrs={"type": "date"})
            )

    def clean(self):
        data = super().clean()
        phases = []
        for kind, label in Phase.Kind.choices:
            starts, ends = data.get(f"{kind}_starts_on"), data.get(f"{kind}_ends_on")
            if (starts is None) != (ends is None):
                self.add_error(f"{kind}_ends_on", f"Donnez le début et la fin de la phase « {label} », ou aucun.")
            elif starts and ends < starts:
                self.add_error(f"{kind}_ends_on", f"La phase « {label} » finit avant de commencer.")
            elif starts:
                phases.append((kind, starts, ends, PHASE_COMPONENTS[kind]))
        if not phases and not self.errors:
            raise forms.ValidationError("Datez au moins une phase.")
        data["phases"] = phases
        data["category_list"] = [c.strip() for c in data.get("categories", "").split(",") if c.strip()]
        return data


def survey_form(survey, questions, data=None):
    """A form with one typed field per question (``q<id>``)."""
    form = forms.Form(data)
    for question in questions:
        name, label, required = f"q{question.pk}", question.text, question.required
        choices = [(c, c) for c in question.choices]
        if question.kind == "long_text":
            field = forms.CharField(
                label=label, required=required, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
            )
        elif question.kind == "single":
            field = forms.ChoiceField(label=label, required=required, choices=choices, widget=forms.RadioSelect)
        elif question.kind == "multiple":
            field = forms.MultipleChoiceField(
                label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        elif question.kind == "number":
            field = forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2, localize=True)
        elif question.kind == "scale":
            field = forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=int,
                widget=forms.RadioSelect,
                choices=[(i, str(i)) for i in range(1, 6)],
            )
        else:
            field = forms.CharField(label=label, required=required, max_length=300)
        form.fields[name] = field
    return form


# --- Front office of a space --------------------------------------------------------------------------------
DATETIME = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class BudgetForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200)
    territory = forms.ModelChoiceField(label="Commune", queryset=Territory.objects.none(), empty_label="— choisir —")
    district = forms.CharField(label="Quartier (facultatif)", required=False, max_length=120)
    amount_cents = EuroField(label="Montant (€)", min_cents=100)
    rule = forms.ChoiceField(label="Règle de vote", choices=Budget.Rule.choices, widget=forms.RadioSelect)
    max_projects = forms.IntegerField(
        label="Projets au plus", required=False, min_value=1, max_value=100, help_text="Vote par approbation."
    )
    min_share_percent = forms.IntegerField(
        label="Part minimale dépensée (%)", required=False, min_value=0, max_value=100, help_text="Panier."
    )
    residents_only = forms.BooleanField(label="Réservé aux habitants de la commune", required=False)
    proof_required = forms.BooleanField(
        label="Justificatif de domicile exigé",
        required=False,
        help_text="Chaque votant dépose un justificatif ; vos administrateurs l'examinent avant son vote.",
    )
    vote_opens_at = forms.DateTimeField(label="Ouverture du vote", input_formats=DATETIME_FORMATS, **DATETIME)
    vote_closes_at = forms.DateTimeField(label="Clôture du vote", input_formats=DATETIME_FORMATS, **DATETIME)

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        scope = process.territories.all()
        from django.db.models import Q

        self.fields["territory"].queryset = (
            Territory.objects.communes()
            .filter(Q(pk__in=scope) | Q(parent__in=scope) | Q(parent__parent__in=scope))
            .without_geometry()
            .natural_order(by_name=True)
        )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("vote_opens_at"), data.get("vote_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("vote_closes_at", "La clôture suit l'ouverture.")
        return data


class BudgetProjectForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(
        label="Description", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    cost_cents = EuroField(label="Coût (€)", min_cents=1)
    proposal = forms.ModelChoiceField(
        label="Proposition d'origine (facultatif)",
        required=False,
        queryset=Proposal.objects.none(),
        empty_label="— aucune —",
    )

    def __init__(self, *args, budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = Proposal.objects.filter(process_id=budget.process_id, hidden=False).order_by(
            "title"
        )


class MeetingForm(PointFields):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(
        label="Programme", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(label="Début", input_formats=DATETIME_FORMATS, **DATETIME)
    ends_at = forms.DateTimeField(label="Fin", input_formats=DATETIME_FORMATS, **DATETIME)
    address = forms.CharField(label="Lieu", required=False, max_length=300)
    online_url = forms.URLField(label="Lien de la réunion en ligne", required=False, assume_scheme="https")
    registration_required = forms.BooleanField(label="Sur inscription", required=False)
    capacity = forms.IntegerField(label="Places", required=False, min_value=1, help_text="Vide : sans limite.")
    minutes = forms.CharField(
        label="Compte rendu",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Publié sur la page de la réunion une fois saisi.",
    )

    field_order = [
        "title", "description", "starts_at", "ends_at", "address", "latitude", "longitude", "online_url",
        "registration_required", "capacity", "minutes",
    ]  # fmt: skip


class SurveyForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    introduction = forms.CharField(
        label="Introduction", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_open = forms.BooleanField(label="Ouvert aux réponses", required=False, initial=True)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=300)
    kind = forms.ChoiceField(label="Type de réponse", choices=Question.Kind.choices)
    choices = forms.CharField(
        label="Choix proposés",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un par ligne (un choix, plusieurs choix).",
    )
    required = forms.BooleanField(label="Réponse obligatoire", required=False, initial=True)

    def clean_choices(self):
        return [line.strip()[:150] for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class SpaceForm(forms.Form):
    presentation = forms.CharField(
        label="Présentation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Titres, listes et liens sont gardés.",
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        validators=[ImageValidator(max_mb=2)],
        help_text="PNG, JPEG ou WebP, 2 Mo au plus ; il est annoncé par le nom de l'espace.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label="Retirer le logo", required=False)


class ProofForm(forms.Form):
    address = forms.CharField(label="Adresse figurant sur le justificatif", max_length=300)
    file = forms.FileField(
        label="Justificatif de domicile",
        validators=[DocumentValidator(5)],
        help_text=(
            "PDF, ODT, DOCX ou DOC de moins de 3 mois, 5 Mo au plus. Seuls les administrateurs de l'espace le lisent."
        ),
    )


class ProofReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision", choices=[("accept", "Accepter"), ("refuse", "Refuser")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Motif du refus", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour un refus : la personne le reçoit par courriel.",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Donnez le motif du refus : la personne le reçoit.")
        return data
