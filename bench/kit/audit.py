"""SQL audits of what a load or fault run left in the database, independent of the code under
test: raw SQL over the tables, not the ORM or the services."""
from __future__ import annotations

import psycopg2

# Two blocking allocations of one court whose periods overlap: must never exist (the
# exclusion constraint's promise, checked here from the outside).
OVERLAP_SQL = """
SELECT a.id, b.id, a.court_id, a.period, b.period
FROM clubs_courtallocation a
JOIN clubs_courtallocation b ON a.court_id = b.court_id AND a.id < b.id AND a.period && b.period
WHERE a.status IN ('held', 'confirmed', 'completed', 'no_show', 'blocked')
  AND b.status IN ('held', 'confirmed', 'completed', 'no_show', 'blocked')
"""

# Reservation allocations without their reservation row, or the reverse (a half-written booking).
ORPHAN_SQL = """
SELECT 'allocation without reservation', a.id FROM clubs_courtallocation a
LEFT JOIN reservations_reservation r ON r.courtallocation_ptr_id = a.id
WHERE a.kind = 'reservation' AND r.courtallocation_ptr_id IS NULL
UNION ALL
SELECT 'reservation without allocation', r.courtallocation_ptr_id FROM reservations_reservation r
LEFT JOIN clubs_courtallocation a ON a.id = r.courtallocation_ptr_id
WHERE a.id IS NULL
"""

# Per stream: the counter equals the number of events and the seqs are exactly 1..counter.
SEQ_SQL = """
SELECT c.stream, c.seq, count(e.id), coalesce(min(e.seq), 0), coalesce(max(e.seq), 0)
FROM routing_streamcounter c LEFT JOIN routing_streamevent e ON e.stream = c.stream
WHERE c.stream = ANY(%s)
GROUP BY c.stream, c.seq
"""

# Reservations of a club and how many `reservation.created` events each has per stream.
CREATED_EVENTS_SQL = """
SELECT a.id::text, a.status,
       (SELECT count(*) FROM routing_streamevent e
        WHERE e.stream = %(club)s AND e.type = 'reservation.created' AND e.data->>'id' = a.id::text),
       (SELECT count(*) FROM routing_streamevent e
        WHERE e.stream = %(staff)s AND e.type = 'reservation.created' AND e.data->>'id' = a.id::text)
FROM clubs_courtallocation a JOIN clubs_court c ON c.id = a.court_id
WHERE c.club_id = %(club_id)s AND a.kind = 'reservation'
"""

# `reservation.created` events whose reservation does not exist (an event of a rolled-back write).
GHOST_EVENTS_SQL = """
SELECT e.stream, e.seq FROM routing_streamevent e
WHERE e.stream = ANY(%s) AND e.type = 'reservation.created'
  AND NOT EXISTS (SELECT 1 FROM clubs_courtallocation a WHERE a.id::text = e.data->>'id')
"""


def audit(database_url: str, club_id: str) -> dict:
    """Everything wrong with the bookings of `club_id`; every list empty means consistent."""
    club, staff = f"club:{club_id}", f"staff:{club_id}"
    conn = psycopg2.connect(database_url, connect_timeout=10)
    try:
        with conn.cursor() as cur:
            cur.execute(OVERLAP_SQL)
            overlaps = cur.fetchall()
            cur.execute(ORPHAN_SQL)
            orphans = cur.fetchall()
            cur.execute(SEQ_SQL, [[club, staff]])
            seq_problems = [row for row in cur.fetchall()
                            if not (row[1] == row[2] and row[3] in (0, 1) and row[4] == row[1])]
            cur.execute(CREATED_EVENTS_SQL, {"club": club, "staff": staff, "club_id": club_id})
            rows = cur.fetchall()
            missing_events = [row for row in rows if row[2] != 1 or row[3] != 1]
            cur.execute(GHOST_EVENTS_SQL, [[club, staff]])
            ghosts = cur.fetchall()
    finally:
        conn.close()
    return {"overlaps": overlaps, "orphans": orphans, "seq_problems": seq_problems,
            "reservations_without_exactly_one_event": missing_events, "events_without_reservation": ghosts,
            "reservations": len(rows), "reservation_ids": {row[0] for row in rows},
            "blocking": sum(1 for row in rows if row[1] in ("held", "confirmed", "completed", "no_show"))}


def problems(report: dict) -> dict:
    keys = ("overlaps", "orphans", "seq_problems", "reservations_without_exactly_one_event",
            "events_without_reservation")
    return {k: report[k] for k in keys if report[k]}
