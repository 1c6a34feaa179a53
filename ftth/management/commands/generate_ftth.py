from pathlib import Path

from django.core.management.base import BaseCommand

from ftth.synthetic import write


class Command(BaseCommand):
    help = "Écrit un fichier synthétique réaliste (ARCEP ou IPE) : immeubles dans les contours réels des communes."

    def add_arguments(self, parser):
        parser.add_argument("--buildings", type=int, default=10_000)
        parser.add_argument("--format", choices=["arcep", "ipe"], default="ipe")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--operator", default="OI-DEMO", help="Code opérateur écrit dans un fichier ARCEP.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, buildings, format, out, operator, seed, **options):  # noqa: A002
        count = write(out, buildings=buildings, fmt=format, operator=operator, seed=seed)
        self.stdout.write(f"{count} immeubles écrits dans {out} (format {format}).")
