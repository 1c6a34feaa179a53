from django import forms

from sman.models import Challenge, Organisation, Territory

from .links import FIELDS as LINK_FIELDS
from .links import LINKS
from .models import CallForContributions, EditSuggestion, Resource, Theme


class ResourceForm(forms.ModelForm):
    """A contribution's working copy. The body is rich text: what is kept is cleaned by the service."""

    organisation = forms.ModelChoiceField(
        label="Organisation contributrice",
        queryset=Organisation.objects.none(),
        required=False,
        help_text="L'organisation au nom de laquelle vous contribuez.",
    )
    themes = forms.MultipleChoiceField(
        label="Thèmes", choices=Theme.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    challenges = forms.ModelMultipleChoiceField(
        label="Défis du SMAN", queryset=Challenge.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    territories = forms.ModelMultipleChoiceField(
        label="Territoires concernés",
        queryset=Territory.objects.filter(kind__in=["metropole", "ept", "commune"])
        .without_geometry()
        .natural_order(by_name=True),
        required=False,
        help_text="Ctrl ou Cmd pour en choisir plusieurs.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    call = forms.ModelChoiceField(
        label="En réponse à l'appel à contributions",
        queryset=CallForContributions.objects.filter(is_published=True),
        required=False,
    )

    class Meta:
        model = Resource
        fields = [
            "kind", "title", "summary", "body", "themes", "challenges", "territories", "licence", "call",
            *LINK_FIELDS,
        ]  # fmt: skip
        labels = {"kind": "Nature de la ressource"}
        help_texts = {
            "summary": "Deux ou trois phrases : ce que la ressource apporte à une autre collectivité.",
            "body": "Titres, listes, liens, images et tableaux sont conservés ; tout script est retiré.",
            "licence": "La Licence Ouverte permet à chacun de réutiliser la ressource en citant sa source.",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "body": forms.Textarea(attrs={"rows": 14})}
        error_messages = {
            "title": {"required": "Donnez un titre à la ressource."},
            "summary": {"required": "Rédigez un résumé."},
        }

    def __init__(self, *args, organisations=None, with_organisation=True, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if with_organisation:
            self.fields["organisation"].queryset = (
                organisations if organisations is not None else Organisation.objects.none()
            )
            if organisations is not None and organisations.count() == 1:
                self.fields["organisation"].initial = organisations.first()
        else:
            del self.fields["organisation"]
        for link in LINKS:  # what the resource is about: among what the public sees of each module (what ``user``
            # reads of the pôle d'ingénierie's requests), and the link the resource has already
            queryset = link.choices(user)
            current = getattr(self.instance, f"{link.field}_id", None)
            if current is not None:
                queryset = queryset | queryset.model.objects.filter(pk=current)
            self.fields[link.field] = forms.ModelChoiceField(
                label=link.label, queryset=queryset, required=False, empty_label="— aucun —"
            )
        from .models import Kind

        self.fields["kind"].choices = [(k.value, k.label) for k in Kind if k != Kind.ANNUAL_REVIEW]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Pièce jointe",
        help_text="PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, MD, PNG ou JPEG, 20 Mo au plus.",
        error_messages={"required": "Choisissez un fichier."},
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Votre message", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Écrivez votre message."},
    )  # fmt: skip


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus (transmis à l'auteur)", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Motivez le refus : l'auteur le lira."},
    )  # fmt: skip


class PublishForm(forms.Form):
    change_note = forms.CharField(label="Ce qui change dans cette version (facultatif)", max_length=300, required=False)


class SuggestionForm(forms.ModelForm):
    class Meta:
        model = EditSuggestion
        fields = ["field", "text", "message"]
        labels = {"field": "Partie à modifier", "text": "Texte proposé", "message": "Pourquoi (facultatif)"}
        widgets = {"text": forms.Textarea(attrs={"rows": 8}), "message": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": "Proposez un texte."}}


class DecideSuggestionForm(forms.Form):
    note = forms.CharField(label="Réponse (facultative)", max_length=2000, required=False)


class UseForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Collectivité", queryset=Organisation.objects.none(),
        error_messages={"required": "Choisissez votre collectivité."},
    )  # fmt: skip
    note = forms.CharField(
        label="Ce que votre collectivité en a fait", max_length=500,
        help_text="Une phrase : « nous avons repris la grille d'évaluation pour notre portail citoyen ».",
        error_messages={"required": "Dites en une phrase ce que votre collectivité en a fait."},
    )  # fmt: skip

    def __init__(self, *args, collectivities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = collectivities
        if collectivities.count() == 1:
            self.fields["organisation"].initial = collectivities.first()


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label="Nom de cette recherche", max_length=120,
        error_messages={"required": "Donnez un nom à cette recherche."},
    )  # fmt: skip
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


class AnnualReviewForm(forms.Form):
    year = forms.IntegerField(label="Année", min_value=2018, max_value=2100)
    introduction = forms.CharField(
        label="Introduction éditoriale", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Texte de l'équipe en tête du bilan ; le reste est calculé à partir des indicateurs et des modules.",
        error_messages={"required": "Rédigez l'introduction du bilan."},
    )  # fmt: skip
