from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sman.outlines import OutlineImportError, import_outlines


class Command(BaseCommand):
    help = (
        "Remplace les contours des communes par ceux d'un fichier officiel (IGN ADMIN EXPRESS COG : "
        "GeoPackage, shapefile ou GeoJSON). Tout ou rien : une entité rejetée annule l'import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--layer", help="Couche à lire (ex. COMMUNE dans un GeoPackage ADMIN EXPRESS).")
        parser.add_argument("--dry-run", action="store_true", help="Montre ce qui changerait, sans rien écrire.")

    def handle(self, *args, file, layer=None, dry_run=False, **options):
        if not file.exists():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            report = import_outlines(file, layer_name=layer, dry_run=dry_run)
        except OutlineImportError as exc:
            raise CommandError(str(exc)) from exc
        for number, reason in report.rejected:
            self.stderr.write(f"entité n° {number} rejetée — {reason}")
        if report.rejected:
            raise CommandError(f"{len(report.rejected)} entité(s) rejetée(s) : aucun contour n'a été modifié.")
        prefix = "[simulation] " if dry_run else ""
        self.stdout.write(
            f"{prefix}{len(report.updated)} contour(s) mis à jour, {report.unchanged} inchangé(s), "
            f"{report.ignored} entité(s) hors Métropole ignorée(s)."
        )
        if report.missing:
            self.stdout.write(f"Communes absentes du fichier (contour conservé) : {', '.join(report.missing)}")
