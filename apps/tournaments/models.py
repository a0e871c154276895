"""Tournaments, their entries and matches. Rules that a row can break on its own are checked
by the database; the point list is the source of truth of a match, `score` is its cached
replay (recomputed in the same transaction that changes `points`)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Deferrable, F, Q

from apps.clubs.models import AllocationKind, CourtAllocation
from apps.core.models import BaseModel


class TournamentFormat(models.TextChoices):
    SINGLE_ELIMINATION = "single_elimination"
    ROUND_ROBIN = "round_robin"
    GROUPS_KNOCKOUT = "groups_knockout"
    AMERICANO = "americano"
    MEXICANO = "mexicano"


# Formats whose entries are single players paired into rotating 2v2 teams, played to a points total.
SOLO_FORMATS = (TournamentFormat.AMERICANO, TournamentFormat.MEXICANO)


class TournamentStatus(models.TextChoices):
    DRAFT = "draft"  # taking entries and seeds
    READY = "ready"  # matches generated, nothing played yet
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class Tournament(BaseModel):
    club = models.ForeignKey("clubs.Club", on_delete=models.CASCADE, related_name="tournaments")
    name = models.CharField(max_length=120)
    format = models.CharField(max_length=24, choices=TournamentFormat.choices)
    golden_point = models.BooleanField(default=False)
    super_tiebreak = models.BooleanField(default=False)
    is_public = models.BooleanField(default=True)
    entry_fee = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    # Americano / Mexicano: a match ends when this many points have been played.
    points_per_match = models.PositiveSmallIntegerField(default=24)
    # Groups + knockout: group size (groups differ by at most one) and qualifiers per group.
    group_size = models.PositiveSmallIntegerField(default=4)
    advance_per_group = models.PositiveSmallIntegerField(default=2)
    # Americano / Mexicano: at most this many matches per round (null: as many as the players fill).
    courts = models.PositiveSmallIntegerField(null=True, blank=True)
    # Mexicano: the number of rounds; the tournament finishes when the last one does.
    rounds = models.PositiveSmallIntegerField(default=5)
    # Knockouts: the semi-finals' losers play for third place (formats.THIRD_PLACE_KEY).
    third_place = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=TournamentStatus.choices, default=TournamentStatus.DRAFT,
                              db_index=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(entry_fee__isnull=True) | Q(entry_fee__gte=0),
                                   name="tournament_fee_not_negative"),
            models.CheckConstraint(condition=Q(points_per_match__gte=1, points_per_match__lte=99),
                                   name="tournament_points_per_match_range"),
            models.CheckConstraint(condition=Q(group_size__gte=2) & Q(advance_per_group__gte=1)
                                   & Q(advance_per_group__lt=F("group_size")),
                                   name="tournament_groups_setup"),
            models.CheckConstraint(condition=Q(rounds__gte=1, rounds__lte=50), name="tournament_rounds_range"),
            models.CheckConstraint(condition=Q(courts__isnull=True) | Q(courts__gte=1),
                                   name="tournament_courts_positive"),
            models.CheckConstraint(condition=Q(status="draft") | Q(generated_at__isnull=False),
                                   name="tournament_generated_when_not_draft"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_solo(self) -> bool:
        return self.format in SOLO_FORMATS


class Entry(BaseModel):
    """A team in the draw: a pair, or one player in Americano / Mexicano."""

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="entries")
    name = models.CharField(max_length=120)
    seed = models.PositiveSmallIntegerField(null=True, blank=True)
    players = models.ManyToManyField(settings.AUTH_USER_MODEL, through="EntryPlayer", related_name="+")

    class Meta:
        ordering = [F("seed").asc(nulls_last=True), "created_at", "id"]
        constraints = [
            # Deferred so a whole reseeding can swap seeds inside one transaction.
            models.UniqueConstraint(fields=["tournament", "seed"], name="entry_seed_unique",
                                    deferrable=Deferrable.DEFERRED),
            models.CheckConstraint(condition=Q(seed__isnull=True) | Q(seed__gte=1), name="entry_seed_positive"),
        ]

    def __str__(self):
        return self.name


class EntryPlayer(models.Model):
    """Who plays in an entry; `tournament` is repeated so one player cannot enter twice."""

    id = models.BigAutoField(primary_key=True)
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="entry_players")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "user"], name="entry_player_once_per_tournament"),
        ]


class MatchStage(models.TextChoices):
    GROUP = "group"  # round robin, and the group stage of groups + knockout
    KNOCKOUT = "knockout"
    ROTATION = "rotation"  # Americano / Mexicano rounds


class MatchStatus(models.TextChoices):
    PENDING = "pending"  # a team is not known yet (winner of an earlier match, place in a group)
    SCHEDULED = "scheduled"  # both teams known; the first point starts it
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    BYE = "bye"  # drawn against nobody: not played, its entry already stands in the next round


class Match(BaseModel):
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    stage = models.CharField(max_length=12, choices=MatchStage.choices)
    group = models.CharField(max_length=8, blank=True, default="")
    round = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=24)  # "R2-M1", "A-R1-M2": stable name within the tournament
    sequence = models.PositiveIntegerField()  # play order within the tournament
    team1 = models.ForeignKey(Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team1_partner = models.ForeignKey(Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team2 = models.ForeignKey(Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    team2_partner = models.ForeignKey(Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Where a slot's team comes from while unknown: "winner:R1-M3", "loser:R2-M1", "group:A:1".
    source1 = models.CharField(max_length=32, blank=True, default="")
    source2 = models.CharField(max_length=32, blank=True, default="")
    next_match = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="feeders")
    next_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # A semi-final's loser goes to the third-place match, when there is one.
    loser_next_match = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="loser_feeders")
    loser_next_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=MatchStatus.choices, db_index=True)
    points = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    score = models.JSONField(default=dict)
    winner = models.PositiveSmallIntegerField(null=True, blank=True)
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Times staff called the players to court; each call is a new notification (a deliberate re-call).
    call_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "key"], name="match_key_unique"),
            models.UniqueConstraint(fields=["tournament", "sequence"], name="match_sequence_unique"),
            models.CheckConstraint(condition=Q(points__contained_by=[1, 2]), name="match_points_are_teams"),
            models.CheckConstraint(condition=Q(winner__isnull=True) | Q(winner__in=[1, 2]),
                                   name="match_winner_is_team"),
            models.CheckConstraint(condition=Q(status="finished") | Q(winner__isnull=True),
                                   name="match_winner_only_when_finished"),
            models.CheckConstraint(condition=Q(next_match__isnull=True, next_slot__isnull=True)
                                   | Q(next_match__isnull=False, next_slot__in=[1, 2]),
                                   name="match_next_slot_with_next_match"),
            models.CheckConstraint(condition=Q(loser_next_match__isnull=True, loser_next_slot__isnull=True)
                                   | Q(loser_next_match__isnull=False, loser_next_slot__in=[1, 2]),
                                   name="match_loser_slot_with_loser_match"),
            models.CheckConstraint(condition=~Q(status__in=["scheduled", "in_progress", "finished"])
                                   | Q(team1__isnull=False, team2__isnull=False),
                                   name="match_playable_has_teams"),
            models.CheckConstraint(condition=Q(status__in=["in_progress", "finished"])
                                   | Q(points=[]),
                                   name="match_points_only_once_started"),
        ]
        indexes = [models.Index(fields=["tournament", "stage", "round"], name="match_stage_round_idx")]

    def __str__(self):
        return f"{self.tournament_id}:{self.key}"

    def team_entries(self, side: int) -> list:
        first, partner = (self.team1, self.team1_partner) if side == 1 else (self.team2, self.team2_partner)
        return [e for e in (first, partner) if e is not None]


class MatchAllocation(CourtAllocation):
    """A scheduled match's claim on a court: the same table and exclusion constraint as bookings,
    so a match and a reservation can never hold one court at once."""

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="allocation")

    def save(self, *args, **kwargs):
        self.kind = AllocationKind.MATCH
        super().save(*args, **kwargs)
