from enum import StrEnum


class TournamentErrorCode(StrEnum):
    """Codes of the tournaments domain (CONTRACT §4), in the envelope's `error.code`."""

    MATCH_FINISHED = "match_finished"
    NOTHING_TO_UNDO = "nothing_to_undo"
    INVALID_TEAM = "invalid_team"
    IN_PAST = "in_past"
    MATCH_NOT_READY = "match_not_ready"  # a team is not known yet, or the match is a bye
    ALREADY_GENERATED = "already_generated"
    NOT_GENERATED = "not_generated"
    NOT_ENOUGH_ENTRIES = "not_enough_entries"
    INVALID_FORMAT_SETUP = "invalid_format_setup"
    WRONG_PLAYER_COUNT = "wrong_player_count"
    PLAYER_ALREADY_ENTERED = "player_already_entered"
    SEED_TAKEN = "seed_taken"
    ROUND_NOT_FINISHED = "round_not_finished"
    NOT_MEXICANO = "not_mexicano"
    ALL_ROUNDS_PLAYED = "all_rounds_played"
    NEXT_MATCH_STARTED = "next_match_started"  # undo would pull a winner out of a match in play
    NEXT_ROUND_GENERATED = "next_round_generated"
    NOTHING_TO_SCHEDULE = "nothing_to_schedule"
    NO_COURT_TIME = "no_court_time"
    NO_COURTS = "no_courts"
    TOURNAMENT_FINISHED = "tournament_finished"
    FIELD_LOCKED = "field_locked"  # a setting that the generated matches already depend on
    NOT_SCHEDULED = "not_scheduled"  # the match has no court and time to move yet
    MATCH_STARTED = "match_started"  # a match in play or over stays where it was played
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"
    MISALIGNED_START = "misaligned_start"
    TOO_FAR_AHEAD = "too_far_ahead"
    OUT_OF_ORDER = "out_of_order"  # before a match it depends on, or after one depending on it
