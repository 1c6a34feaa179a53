from django import forms

from sman.models import Challenge

from .models import Candidacy, Explorer, Project, SupportNote


class CandidacyForm(forms.ModelForm):
    class Meta:
        model = Candidacy
        fields = [
            "collectivity", "role", "department", "motivation", "project_idea", "manager_name", "manager_email",
        ]  # fmt: skip
        labels = {
            "collectivity": "Votre collectivité",
            "role": "Votre fonction",
            "motivation": "Pourquoi souhaitez-vous rejoindre la promotion ?",
            "manager_name": "Nom de votre responsable hiérarchique",
            "manager_email": "Adresse électronique de votre direction",
        }
        help_texts = {
            "project_idea": "Facultatif : un irritant rencontré dans votre collectivité et l'idée que vous aimeriez "
            "développer pendant l'année.",
            "manager_email": "Votre direction reçoit un lien pour confirmer que votre collectivité vous libère "
            "pour les "
            "journées d'exploration.",
        }
        widgets = {"motivation": forms.Textarea(attrs={"rows": 5}), "project_idea": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "role": {"required": "Indiquez votre fonction."},
            "department": {"required": "Indiquez votre direction ou votre service."},
            "motivation": {"required": "Dites en quelques lignes pourquoi vous candidatez."},
            "manager_name": {"required": "Indiquez le nom de votre responsable."},
            "manager_email": {
                "required": "Indiquez l'adresse de votre direction.",
                "invalid": "Saisissez une adresse électronique valide, par exemple nom@ville.fr.",
            },
        }

    def __init__(self, *args, collectivities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collectivity"].queryset = collectivities
        self.fields["collectivity"].empty_label = None
        self.fields["collectivity"].error_messages["required"] = "Choisissez votre collectivité."


class ManagerDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Votre réponse",
        choices=(("agree", "J'accepte que cet agent rejoigne la promotion"), ("decline", "Je refuse")),
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une réponse."},
    )
    comment = forms.CharField(
        label="Commentaire (facultatif)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VisibilityForm(forms.ModelForm):
    class Meta:
        model = Explorer
        fields = ["in_directory", "show_role", "show_email", "show_projects"]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["title", "irritant", "idea", "challenge"]
        labels = {"irritant": "Irritant : le problème rencontré", "idea": "Votre idée"}
        widgets = {"irritant": forms.Textarea(attrs={"rows": 4}), "idea": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "title": {"required": "Donnez un titre au projet."},
            "idea": {"required": "Décrivez votre idée."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["challenge"].queryset = Challenge.objects.order_by("number")
        self.fields["challenge"].empty_label = "— à préciser —"


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Étape", choices=Project.Status.choices)
    note = forms.CharField(label="Note (facultatif)", required=False, max_length=1000)


class NoteForm(forms.ModelForm):
    class Meta:
        model = SupportNote
        fields = ["kind", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"body": {"required": "Écrivez la note."}}
