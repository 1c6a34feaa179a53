from django import forms

from .models import MembershipRequest, NotificationFrequency, Organisation
from .selectors import joinable_organisations


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class MembershipRequestForm(forms.ModelForm):
    organisation = OrganisationChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        help_text="La collectivité (commune, territoire) ou la structure pour laquelle vous agissez.",
        error_messages={"required": "Choisissez l'organisation que vous souhaitez rejoindre."},
    )

    class Meta:
        model = MembershipRequest
        fields = ["organisation", "job_title", "message"]
        labels = {
            "job_title": "Votre fonction",
            "message": "Message aux administrateurs (facultatif)",
        }
        help_texts = {"job_title": "Par exemple : chargée de mission numérique, DSI adjoint."}
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = joinable_organisations()
        self.fields["job_title"].required = True
        self.fields["job_title"].error_messages["required"] = "Indiquez votre fonction."


class RejectRequestForm(forms.Form):
    note = forms.CharField(
        label="Motif du refus (transmis au demandeur)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def add_validation_error(form, exc) -> None:
    """Show a service's ValidationError on the form: on its field when it names one, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        help_text="Pour le reconnaître plus tard : le client qui l'utilise (« serveur d'envoi des IPE »).",
        error_messages={"required": "Donnez un nom au jeton."},
    )
    scopes = forms.MultipleChoiceField(
        label="Portée",
        widget=forms.CheckboxSelectMultiple,
        help_text="Ce que le client pourra faire ; jamais plus que ce que votre compte permet.",
        error_messages={"required": "Choisissez au moins une portée."},
    )
    days = forms.TypedChoiceField(
        label="Durée de validité",
        coerce=int,
        initial=90,
        choices=[(30, "30 jours"), (90, "90 jours"), (180, "180 jours"), (365, "1 an")],
    )

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s.value, s.label) for s in scopes]
        if len(scopes) == 1:
            self.fields["scopes"].initial = [scopes[0].value]


class NotificationPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label="Recevoir mes notifications par courriel",
        choices=NotificationFrequency.choices,
        widget=forms.RadioSelect,
    )
