from django.core.management.base import BaseCommand

from sman.reference import load_reference


class Command(BaseCommand):
    help = "Charge ou met à jour les données de référence (territoires, collectivités, défis). Idempotent."

    def handle(self, *args, **options):
        report = load_reference()
        if not report.changed:
            self.stdout.write("Données de référence à jour : aucune modification.")
            return
        for label, counts in (("créations", report.created), ("mises à jour", report.updated)):
            for what, n in sorted(counts.items()):
                self.stdout.write(f"{what} — {label} : {n}")
