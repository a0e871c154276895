"""`python -m project.serve ARGS`: daphne's CLI with an access log that never prints credentials.

Daphne's stock access log writes the full request line, query string included, so a board's
`?key=` or a socket's `?token=` would land in the logs. Same CLI, same flags, scrubbed lines.
"""
import sys

from daphne import access, cli

from apps.core.logging import redact


class RedactingAccessLog(access.AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, redact(request), status, length, ident, user)


def main(argv=None):
    cli.AccessLogGenerator = RedactingAccessLog
    cli.CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
