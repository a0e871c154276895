"""Prune the replay log (CONTRACT §3 keeps at least 24 h and 10,000 events per stream)."""
from django.core.management.base import BaseCommand, CommandError

from routing.conf import live_setting
from routing.eventlog import prune_stream_events


class Command(BaseCommand):
    help = ("Delete stream events older than --hours that are not among their stream's newest "
            "--keep events. Safe to run at any time and repeatedly.")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None,
                            help="keep every event younger than this (default "
                                 f"{live_setting('LIVE_EVENT_RETENTION_HOURS')})")
        parser.add_argument("--keep", type=int, default=None,
                            help="always keep this many newest events per stream (default "
                                 f"{live_setting('LIVE_EVENT_RETENTION_COUNT')})")
        parser.add_argument("--stream", action="append", dest="streams", default=None,
                            help="only this stream (repeatable)")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, hours, keep, streams, batch_size, **options):
        try:
            deleted = prune_stream_events(keep_hours=hours, keep_last=keep, streams=streams,
                                          batch_size=batch_size)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Deleted {deleted} stream event(s).")
