from django import forms

from sman.models import Organisation
from sman.validators import DocumentValidator

from .models import MAX_SCORE, Contest, Entry

TEXT = forms.Textarea(attrs={"rows": 6})


class EntryForm(forms.Form):
    """A candidacy: for a prize, the member organisation and one of its published solutions; for a resource
    contest, one of the candidate's published resources."""

    organisation = forms.ModelChoiceField(
        label="Au nom de",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Choisissez l'organisation candidate."},
    )
    subject = forms.ChoiceField(
        label="Solution présentée", error_messages={"required": "Choisissez ce que vous présentez."}
    )
    title = forms.CharField(
        label="Titre de la candidature",
        max_length=200,
        error_messages={"required": "Donnez un titre à la candidature."},
    )
    pitch = forms.CharField(
        label="Présentation",
        max_length=4000,
        widget=TEXT,
        help_text="Ce que vous présentez, pour qui, ce qu'il change (4 000 caractères au plus).",
        error_messages={"required": "Présentez votre candidature en quelques lignes."},
    )
    document = forms.FileField(
        label="Document (facultatif)",
        required=False,
        validators=[DocumentValidator()],
        help_text="PDF, ODT, DOCX ou DOC, 10 Mo au plus.",
    )

    def __init__(self, *args, contest: Contest, organisations=None, solutions=None, resources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contest = contest
        if contest.is_prize:
            self.fields["organisation"].queryset = organisations
            self.subjects = {str(s.pk): s for s in solutions}
            self.fields["subject"].choices = [("", "—")] + [
                (str(s.pk), f"{s.title} ({s.member.name})") for s in self.subjects.values()
            ]
        else:
            del self.fields["organisation"]
            self.subjects = {str(r.pk): r for r in resources}
            self.fields["subject"].label = "Ressource présentée"
            self.fields["subject"].help_text = "L'une de vos ressources publiées du centre de ressources."
            self.fields["subject"].choices = [("", "—")] + [(str(r.pk), r.title) for r in self.subjects.values()]

    def clean(self):
        data = super().clean()
        subject = self.subjects.get(data.get("subject") or "")
        organisation = data.get("organisation")
        mismatch = subject is not None and organisation is not None and subject.member_id != organisation.pk
        if self.contest.is_prize and mismatch:
            self.add_error("subject", "Choisissez une solution de l'organisation candidate.")
        data["subject_object"] = subject
        return data


class DeclarationForm(forms.Form):
    declaration = forms.CharField(
        label="Vos liens d'intérêts",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Liens professionnels, financiers ou personnels avec des candidats ; « aucun » le cas échéant.",
    )
    recusals = forms.ModelMultipleChoiceField(
        label="Candidatures que je ne noterai pas (conflit d'intérêts)",
        queryset=Entry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attest = forms.BooleanField(
        label="J'atteste sur l'honneur l'exactitude de cette déclaration",
        error_messages={"required": "Cochez l'attestation pour signer la déclaration."},
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recusals"].queryset = entries
        self.fields["recusals"].label_from_instance = lambda e: f"{e.title} — {e.candidate_name}"


class EvaluationForm(forms.Form):
    """One note per criterion, 0 to 10, and a comment."""

    comment = forms.CharField(
        label="Commentaire", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {}
        for criterion in self.criteria:
            fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.label} (poids {criterion.weight})",
                min_value=0,
                max_value=MAX_SCORE,
                help_text=f"Note entière de 0 à {MAX_SCORE}.",
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={
                    "required": "Notez ce critère.",
                    "invalid": f"Saisissez un nombre entier de 0 à {MAX_SCORE}.",
                    "min_value": "La note ne peut pas être négative.",
                    "max_value": f"La note va jusqu'à {MAX_SCORE}.",
                },
            )
        fields["comment"] = self.fields.pop("comment")
        self.fields.update(fields)

    def values(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class ResultsForm(forms.Form):
    """The winner of each prize (a prize may stay unawarded)."""

    def __init__(self, *args, contest: Contest, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.prizes = list(contest.prizes.all())
        self.entries = {str(e.pk): e for e in entries}
        choices = [("", "— non attribué —")] + [(k, f"{e.title} — {e.candidate_name}") for k, e in self.entries.items()]
        for prize in self.prizes:
            self.fields[f"prize_{prize.pk}"] = forms.ChoiceField(label=prize.label, choices=choices, required=False)

    def clean(self):
        data = super().clean()
        winners = {p.pk: self.entries[data[f"prize_{p.pk}"]] for p in self.prizes if data.get(f"prize_{p.pk}")}
        if not winners:
            raise forms.ValidationError("Attribuez au moins un prix.")
        if len({e.pk for e in winners.values()}) != len(winners):
            raise forms.ValidationError("Une candidature ne reçoit qu'un prix.")
        data["winners"] = winners
        return data
