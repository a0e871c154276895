"""Write docs/events.md from the registered event schemas (routing.schemas)."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from routing.schemas import render_events_doc

EVENTS_DOC = Path(settings.BASE_DIR) / "docs" / "events.md"


class Command(BaseCommand):
    help = "Write docs/events.md (every live event type, its builder and its fields) from the schemas."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="write nothing; exit 1 when docs/events.md is out of date")

    def handle(self, *args, check=False, **options):
        text = render_events_doc()
        current = EVENTS_DOC.read_text(encoding="utf-8") if EVENTS_DOC.exists() else None
        if check:
            if current != text:
                self.stderr.write("docs/events.md is out of date: run `python manage.py events_doc`")
                raise SystemExit(1)
            return
        EVENTS_DOC.parent.mkdir(exist_ok=True)
        EVENTS_DOC.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {EVENTS_DOC} ({len(text.splitlines())} lines)")
