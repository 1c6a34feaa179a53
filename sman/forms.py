from django import forms

from .models import MembershipRequest, Organisation
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
