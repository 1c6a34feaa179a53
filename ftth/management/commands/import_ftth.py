import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from ftth.models import MAX_REJECTED_SHARE, ImportRun
from ftth.tasks import import_file
from ftth.uploads import check_max_rejected_share


class Command(BaseCommand):
    help = (
        "Importe un fichier « immeubles » de l'ARCEP ou un fichier IPE d'opérateur (format reconnu à l'en-tête). "
        "L'import tourne dans un worker Celery ; la commande attend son résultat."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--operator", default="", help="Code de l'opérateur (obligatoire pour un fichier IPE).")
        parser.add_argument("--dry-run", action="store_true", help="Valide et compte, sans rien enregistrer.")
        parser.add_argument(
            "--max-rejected-share",
            type=float,
            default=None,
            help=(
                "Part des lignes (de la Métropole) qui peuvent être rejetées sans que le fichier soit refusé en "
                f"entier, de 0 à {MAX_REJECTED_SHARE:g} (0.2 pour 20 %%). Par défaut : FTTH_REJECTION_THRESHOLD "
                f"({settings.FTTH_REJECTION_THRESHOLD:g})."
            ),
        )
        parser.add_argument("--timeout", type=int, default=3600, help="Attente maximale du résultat (secondes).")

    def handle(
        self, *args, file: Path, operator: str, dry_run: bool, timeout: int, max_rejected_share: float | None, **options
    ):
        if not file.exists():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            share = check_max_rejected_share(max_rejected_share)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        # Any operator code: only people with a shell on the server run this command.
        path = str(file.resolve())
        run = ImportRun.objects.create(
            file_name=file.name, operator_code=operator, dry_run=dry_run, file_path=path, max_rejected_share=share
        )
        import_file.delay(run.pk, path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.state not in (ImportRun.State.PENDING, ImportRun.State.RUNNING):
                break
            time.sleep(0.5)
        else:
            raise CommandError(f"L'import n° {run.pk} n'est pas terminé après {timeout} s (un worker tourne-t-il ?).")
        for rejection in run.rejections.all()[:50]:
            self.stderr.write(f"ligne {rejection.line} rejetée : {rejection.reason}")
        summary = (
            f"{run.get_state_display()} — {run.rows_read} lignes lues, {run.rows_outside} hors Métropole, "
            f"{run.rows_rejected} rejetées ; {run.created} créés, {run.updated} modifiés, {run.unchanged} inchangés, "
            f"{run.retired} retirés, {run.status_changes} changements de statut"
            + (" (simulation : rien n'a été enregistré)" if dry_run else "")
        )
        if run.state == ImportRun.State.AWAITING_CONFIRMATION:
            raise CommandError(
                f"{run.error} Confirmez-le ou annulez-le sur {settings.SITE_URL}"
                f"{reverse('ftth:import_confirm', args=[run.pk])} (le fichier doit y rester jusque-là)."
            )
        if run.state != ImportRun.State.DONE:
            raise CommandError(f"{summary}. {run.error}")
        self.stdout.write(summary)
