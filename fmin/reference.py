"""Reference data of the call engine: its two programmes, the FMIN (action #10) and the metropolitan call for
projects on behaviours in line with the PCAEM (action #13). Created when missing (migration 0004 creates them
too), never overwritten: staff keep their wording in the admin, and add other programmes there."""

from sman.reference import LoadReport

from .models import FMIN_PROGRAMME, PCAEM_PROGRAMME, Programme
from .rules import SECTION_FMIN

# Action #13 has no sheet in Annex 2: the roadmap table (SMAN § 4.2.1.2) gives its title only, so its rules are
# each call's own (its regulation).
SECTION_PCAEM = (
    "SMAN § 4.2.1.2 « La première feuille de route bisannuelle », action #13 (défi 5 « Métropole résiliente et "
    "durable ») ; règlement de l'appel"
)
PROGRAMMES = (
    {
        "slug": FMIN_PROGRAMME,
        "short_name": "FMIN",
        "name": "Fonds Métropolitain pour l'Innovation Numérique",
        "intro": "Le FMIN subventionne les expérimentations numériques des communes et des territoires de la "
        "Métropole du Grand Paris. Il reconnaît aux collectivités un droit à l'expérimentation et cherche à "
        "étendre les innovations réussies aux autres collectivités, voire à l'échelle métropolitaine.",
        "action_number": 10,
        "source": SECTION_FMIN,
        "position": 0,
    },
    {
        "slug": PCAEM_PROGRAMME,
        "short_name": "PCAEM",
        "name": "Appel à projets métropolitain pour des comportements en phase avec le PCAEM",
        "intro": "La Métropole cherche des solutions qui incitent les habitants à adopter des comportements "
        "conformes aux objectifs du Plan Climat Air Énergie Métropolitain (PCAEM). Chaque appel fixe ses "
        "porteurs, ses critères, ses plafonds et son enveloppe dans son règlement.",
        "action_number": 13,
        "source": SECTION_PCAEM,
        "position": 1,
    },
)


def load_reference(report: LoadReport) -> None:
    for values in PROGRAMMES:
        _, created = Programme.objects.get_or_create(slug=values["slug"], defaults=values)
        report.count("programmes d'appels à projets", created, False)
