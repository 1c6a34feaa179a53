from django import forms

from sman.models import Territory
from sman.money import EuroField

from .models import Beneficiary, PlaceType, TargetPublic, Training

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def communes():
    # `kind` too: str() of a territory reads it (without it, one query per commune of the list).
    return Territory.objects.filter(kind=Territory.Kind.COMMUNE).order_by("name").only("id", "name", "code", "kind")


def _scopes():
    return (
        Territory.objects.exclude(kind=Territory.Kind.DELEGATED_COMMUNE)
        .order_by("kind", "name")
        .only("id", "name", "kind", "code")
    )


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 80)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})


class RedeemForm(forms.Form):
    code = CodeField(label="Code du ticket", help_text="Tapez le code (avec ou sans tirets) ou scannez le QR code.",
                     error_messages={"required": "Saisissez le code du ticket."})  # fmt: skip
    training = forms.ModelChoiceField(label="Formation suivie", queryset=Training.objects.none(),
                                      error_messages={"required": "Choisissez la formation suivie."})  # fmt: skip

    def __init__(self, *args, place=None, **kwargs):
        super().__init__(*args, **kwargs)
        if place is not None:
            self.fields["training"].queryset = place.trainings.all()


class BalanceForm(forms.Form):
    code = CodeField(label="Code du carnet", help_text="Il figure sur la couverture de votre carnet.",
                     error_messages={"required": "Saisissez le code de votre carnet."})  # fmt: skip


class DistributeForm(forms.Form):
    booklet_code = CodeField(label="Code du carnet", error_messages={"required": "Saisissez le code du carnet remis."})
    age_band = forms.ChoiceField(label="Tranche d'âge du bénéficiaire", choices=Beneficiary.AgeBand.choices)
    territory = forms.ModelChoiceField(label="Commune de résidence", queryset=Territory.objects.none())
    target_public = forms.ChoiceField(label="Public", choices=TargetPublic.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = communes()


class OrderForm(forms.Form):
    booklet_count = forms.IntegerField(label="Nombre de carnets", min_value=1, max_value=20000)
    tickets_per_booklet = forms.IntegerField(label="Tickets par carnet", min_value=5, max_value=10, initial=10)
    face_value = EuroField(label="Valeur d'un ticket (€)", min_cents=100, max_cents=999_999, initial=1000)
    territory = forms.ModelChoiceField(
        label="Territoire couvert",
        queryset=Territory.objects.none(),
        help_text="Commune, territoire (EPT) ou Métropole où les tickets sont valables.",
    )
    target_public = forms.ChoiceField(label="Public cible", choices=TargetPublic.choices)
    allowed_place_types = forms.MultipleChoiceField(
        label="Types de lieux acceptés", choices=PlaceType.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Aucune case cochée : tous les lieux labellisés APTIC.",
    )  # fmt: skip
    valid_until = forms.DateField(label="Fin de validité", widget=DATE)

    def __init__(self, *args, funders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = _scopes()
        if funders is not None:
            self.fields = {"funder": forms.ModelChoiceField(label="Financeur", queryset=funders), **self.fields}


class ApticImportForm(OrderForm):
    """The same order, its booklets and tickets read from the issuer's file."""

    file = forms.FileField(label="Fichier de commande #APTIC (CSV : colonnes carnet ; ticket)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "import")
        super().__init__(*args, **kwargs)
        for name in ("booklet_count", "tickets_per_booklet", "allowed_place_types"):
            del self.fields[name]
