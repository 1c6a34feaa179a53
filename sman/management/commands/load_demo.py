from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sman.demo import ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET, current_demo_code, load_demo


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (un par rôle). Refusé en production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list",
            action="store_true",
            help="Affiche seulement les comptes et le code TOTP du moment.",
        )

    def handle(self, *args, list=False, **options):  # noqa: A002
        if settings.PRODUCTION:
            raise CommandError("Les comptes de démonstration ne sont jamais créés en production.")
        if not list:
            accounts = load_demo()
            self.stdout.write(f"{len(accounts)} comptes de démonstration prêts (`load_demo --list` pour les voir).")
            return
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.role:<16} {account.email:<48} {account.label}")
        self.stdout.write(
            f"Double authentification des comptes MFA : secret TOTP {DEMO_TOTP_SECRET} "
            f"(code actuel : {current_demo_code()} ; `manage.py load_demo --list` le redonne)."
        )
