from django import forms
from django.contrib.gis.geos import Point

from sman.money import EuroField
from sman.validators import DocumentValidator

from .models import EngineeringRequest, PhaseDecision, Place, Problem, ServiceOffer, SpaceOffer, SponsorshipBudget

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several documents at once, each checked (extension, size, content) by sman/validators.py."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = []
        for file in files:
            file = super().clean(file, initial)
            DocumentValidator()(file)
            cleaned.append(file)
        return cleaned


class RequestForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Collectivité", queryset=None, empty_label=None)
    title = forms.CharField(label="Objet de la demande", max_length=200)
    kind = forms.ChoiceField(
        label="Nature de l'appui", choices=EngineeringRequest._meta.get_field("kind").choices, widget=forms.RadioSelect
    )
    stage = forms.ChoiceField(
        label="Étape du projet", choices=EngineeringRequest._meta.get_field("stage").choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label="Votre besoin",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Le projet concerné, ce que vous attendez du pôle, vos échéances.",
    )
    fmin_application = forms.ModelChoiceField(
        label="Candidature FMIN concernée",
        queryset=None,
        required=False,
        empty_label="Aucune (projet décrit ci-dessus)",
    )
    documents = DocumentsField(label="Documents (PDF, ODT, DOCX ou DOC, 10 Mo au plus chacun)")

    def __init__(self, *args, collectivities, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = collectivities
        self.fields["fmin_application"].queryset = applications
        self.fields["title"].error_messages["required"] = "Donnez l'objet de votre demande."
        self.fields["description"].error_messages["required"] = "Décrivez votre besoin."
        self.fields["kind"].error_messages["required"] = "Choisissez la nature de l'appui."
        self.fields["stage"].error_messages["required"] = "Choisissez l'étape du projet."


class QualifyForm(forms.Form):
    service = forms.ModelChoiceField(label="Service du pôle", queryset=ServiceOffer.objects.filter(is_active=True))
    expert = forms.ModelChoiceField(label="Expert", queryset=None)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts
        self.fields["expert"].label_from_instance = lambda u: u.get_full_name() or u.email


class MessageForm(forms.Form):
    body = forms.CharField(label="Votre message", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class DocumentForm(forms.Form):
    file = forms.FileField(label="Document (PDF, ODT, DOCX ou DOC, 10 Mo au plus)", validators=[DocumentValidator()])


class CloseForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label="Êtes-vous satisfait de l'accompagnement ? (1 : pas du tout, 5 : tout à fait)",
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Commentaire", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PositionMixin(forms.Form):
    longitude = forms.FloatField(
        label="Longitude", localize=True, min_value=1.9, max_value=2.8, help_text="Par exemple 2,4406."
    )
    latitude = forms.FloatField(
        label="Latitude", localize=True, min_value=48.6, max_value=49.1, help_text="Par exemple 48,8611."
    )

    def point(self) -> Point:
        return Point(self.cleaned_data["longitude"], self.cleaned_data["latitude"], srid=4326)


class PlaceForm(PositionMixin, forms.ModelForm):
    class Meta:
        model = Place
        fields = ["name", "kind", "address", "services", "opening_hours", "accessibility", "website"]
        widgets = {"services": forms.Textarea(attrs={"rows": 4}), "opening_hours": forms.Textarea(attrs={"rows": 3})}

    website = forms.URLField(label="Site web", required=False, assume_scheme="https")

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and instance.location is not None:
            kwargs.setdefault("initial", {}).update(longitude=instance.location.x, latitude=instance.location.y)
        super().__init__(*args, instance=instance, **kwargs)


class ProblemForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(label="Collectivité", queryset=None, empty_label=None)

    class Meta:
        model = Problem
        fields = [
            "organisation", "title", "problem", "users", "evidence", "intrapreneur_name", "intrapreneur_job",
            "manager_name", "manager_agreement",
        ]  # fmt: skip
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for f in ("problem", "users", "evidence")}

    def __init__(self, *args, collectivities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = collectivities
        self.fields["manager_agreement"].required = True
        self.fields["manager_agreement"].error_messages["required"] = (
            "L'accord du ou de la responsable hiérarchique de l'intrapreneur est nécessaire."
        )


class SelectForm(forms.Form):
    budget = forms.ModelChoiceField(label="Budget", queryset=SponsorshipBudget.objects.all(), empty_label=None)
    sponsorship_cents = EuroField(label="Parrainage de la Métropole (€)", initial=2_000_000, min_cents=1)
    product_name = forms.CharField(label="Nom du produit", max_length=120)
    pitch = forms.CharField(label="En une phrase", max_length=500)
    team = forms.CharField(label="Équipe", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(
        label="Motif de la sélection", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="Décision", choices=PhaseDecision.Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Motifs", max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))


class OfferForm(PositionMixin, forms.ModelForm):
    owner = forms.ModelChoiceField(label="Propriétaire", queryset=None, empty_label=None)

    class Meta:
        model = SpaceOffer
        fields = [
            "owner",
            "title",
            "description",
            "surface_m2",
            "address",
            "conditions",
            "available_from",
            "available_until",
        ]
        widgets = {"available_from": DATE, "available_until": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class ApplyForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Structure", queryset=None, empty_label=None)
    project = forms.CharField(
        label="Votre projet d'occupation", max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
