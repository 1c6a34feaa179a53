"""Reference data of the marketplace: the procurement thresholds a need refers to, and the first version of the
participation charter. Created when missing, never overwritten: staff keep them up to date in the admin."""

from datetime import date
from pathlib import Path

from django.utils import timezone

from sman.reference import LoadReport

from .models import Charter, ProcurementThreshold

LEGIFRANCE_R2122_9_1 = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000044490444"
DECREE_2025_1386 = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000053202067"
DECREE_2021_1634 = "https://www.legifrance.gouv.fr/eli/decret/2021/12/13/2021-1634/jo/texte"

# (kind, label, euros HT, legal reference, source, date of effect, note). Looked up on 1 December 2026 in the
# texts published in the Journal officiel; a row whose law changes gets a new row with its new date.
THRESHOLDS = [
    (
        ProcurementThreshold.Kind.INNOVATIVE,
        "Achat innovant : dispense de publicité et de mise en concurrence",
        100_000,
        "Code de la commande publique, art. R2122-9-1 "
        "(décret n° 2021-1634 du 13 décembre 2021, JO du 15 décembre 2021)",
        LEGIFRANCE_R2122_9_1,
        date(2021, 12, 16),
        "Travaux, fournitures ou services innovants au sens de l'art. L2172-3 ; besoin estimé sous ce montant.",
    ),
    (
        ProcurementThreshold.Kind.INNOVATIVE_LOT,
        "Lot innovant de fournitures ou de services : dispense de procédure",
        80_000,
        "Code de la commande publique, art. R2122-9-1, 2e alinéa (décret n° 2021-1634 du 13 décembre 2021)",
        LEGIFRANCE_R2122_9_1,
        date(2021, 12, 16),
        "Lots dont le montant cumulé n'excède pas 20 % de la valeur de tous les lots (art. R2123-1, 2°, b).",
    ),
    (
        ProcurementThreshold.Kind.DISPENSED_SUPPLIES,
        "Fournitures ou services : dispense de publicité et de mise en concurrence",
        40_000,
        "Code de la commande publique, art. R2122-8 (décret n° 2019-1344 du 12 décembre 2019)",
        "",
        date(2020, 1, 1),
        "Remplacé le 1er avril 2026 (décret n° 2025-1386 du 29 décembre 2025).",
    ),
    (
        ProcurementThreshold.Kind.DISPENSED_SUPPLIES,
        "Fournitures ou services : dispense de publicité et de mise en concurrence",
        60_000,
        "Code de la commande publique, art. R2122-8 "
        "(décret n° 2025-1386 du 29 décembre 2025, art. 1er, 1°, b, et art. 3)",
        DECREE_2025_1386,
        date(2026, 4, 1),
        "S'applique aux consultations engagées à partir de cette date (art. 4 du décret).",
    ),
    (
        ProcurementThreshold.Kind.DISPENSED_WORKS,
        "Travaux : dispense de publicité et de mise en concurrence",
        100_000,
        "Code de la commande publique, art. R2122-8 "
        "(décret n° 2025-1386 du 29 décembre 2025, art. 1er, 1°, a, et art. 3)",
        DECREE_2025_1386,
        date(2026, 1, 1),
        "S'applique aux consultations engagées à partir de cette date (art. 4 du décret).",
    ),
]

CHARTER_TITLE = "Charte de participation de la communauté Grand Paris Métropole Tech"
# Written after SMAN §4.2.1.3 « L'animation de la communauté Grand Paris Métropole Tech ».
CHARTER_BODY = (Path(__file__).parent / "data" / "charter-v1.txt").read_text()


def load_reference(report: LoadReport) -> None:
    for kind, label, euros, reference, url, effective_on, note in THRESHOLDS:
        _, created = ProcurementThreshold.objects.get_or_create(
            kind=kind,
            effective_on=effective_on,
            defaults={
                "label": label,
                "amount_cents": euros * 100,
                "legal_reference": reference,
                "source_url": url,
                "note": note,
            },
        )
        report.count("seuils de la commande publique", created, False)
    if not Charter.objects.exists():
        Charter.objects.create(version=1, title=CHARTER_TITLE, body=CHARTER_BODY, published_at=timezone.now())
        report.count("chartes de participation", True, False)
