"""`manage.py seed_demo`: loads the demo (apps/demo/seed.py) and prints how to use it."""
from django.core.management.base import BaseCommand

from apps.demo.seed import ORG_NAME, seed


class Command(BaseCommand):
    help = "Load the demo organization, club, accounts and today's bookings (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--key-file", default=None,
                            help="where the demo display key is kept (default: .data/demo_display_key)")

    def handle(self, *args, key_file=None, **options):
        summary = seed(key_file=key_file)
        out = self.stdout
        created = ", ".join(f"{n} {k}" for k, n in summary.created.items() if n) or "nothing new"
        out.write(f"Demo data ready ({created}).")
        out.write(f"  Organization {ORG_NAME} ({summary.organization_id})")
        out.write(f"  Club {summary.club_name}: slug {summary.club_slug}, id {summary.club_id}, {summary.timezone}")
        out.write("  Accounts:")
        for account in summary.accounts:
            out.write(f"    {account.role:<7} {account.email:<28} password: {account.password}")
        out.write(f"  Display key (court board): {summary.display_key}")
        out.write(f"  Bookings today: {summary.reservations_today}")
        out.write(f"  Tournament in progress: /tournaments/{summary.tournament_id}/board/")
