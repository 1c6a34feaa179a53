"""Forms of the fibre pages: the alert subscription, the staff upload, the cancellation of an import."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from .models import MAX_REJECTED_SHARE


class AlertForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Cette adresse n'est pas valide.",
        },
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="Fichier (ARCEP « immeubles » ou IPE)")
    operator_code = forms.CharField(
        label="Code de l'opérateur", required=False, max_length=40,
        help_text="Obligatoire pour un fichier IPE ; un fichier ARCEP porte le code de chaque immeuble.",
    )  # fmt: skip
    dry_run = forms.BooleanField(label="Simulation (valider et compter sans enregistrer)", required=False)
    # A percentage here; a share (0 to 0.5) for the service, the API and the command.
    max_rejected_share = forms.FloatField(
        label="Lignes rejetées tolérées (%)", required=False, localize=True,
        error_messages={"invalid": "Indiquez un pourcentage, par exemple 20 ou 2,5."},
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = f"{settings.FTTH_REJECTION_THRESHOLD * 100:g}".replace(".", ",")
        field = self.fields["max_rejected_share"]
        field.widget.attrs["inputmode"] = "decimal"
        field.help_text = (
            f"Au-delà de cette part de lignes rejetées (parmi celles de la Métropole), le fichier est refusé en "
            f"entier et rien n'est modifié. Vide : {default} %. De 0 à {MAX_REJECTED_SHARE * 100:g} %."
        )

    def clean_max_rejected_share(self):
        percent = self.cleaned_data["max_rejected_share"]
        if percent is None:
            return None
        if not 0 <= percent <= MAX_REJECTED_SHARE * 100:
            raise ValidationError(f"Indiquez un pourcentage entre 0 et {MAX_REJECTED_SHARE * 100:g} %.")
        return percent / 100


class CancelImportForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation (facultatif)", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
