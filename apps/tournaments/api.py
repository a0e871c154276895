"""REST for tournaments (CONTRACT §4). Views validate input and pick the object through the
tenant scope; services do the writes; selectors shape every answer.

Who: writes are for staff of the tournament's club (a match's assigned scorer may also
score it); reads are for anyone when the tournament is public, else for that staff.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import User
from apps.clubs.api import ScopedClubField
from apps.clubs.models import Court
from apps.core.envelope import enveloped_response
from apps.core.errors import CoreErrorCode, InvalidInput
from apps.core.fields import AwareDateTimeField, BoundedDateField
from apps.core.permissions import ReadOpenMixin
from apps.core.tenancy import TenantScopedMixin, tenant_scope
from apps.core.throttling import PlayerLookupThrottle
from apps.tournaments import selectors, services
from apps.tournaments.errors import TournamentErrorCode
from apps.tournaments.live import tournament_stream_target
from apps.tournaments.models import Entry, MatchStage, MatchStatus, Tournament, TournamentFormat, TournamentStatus
from routing.snapshots import read_snapshot

_SCORE_EXAMPLE = {"sets": [[6, 4]], "games": [2, 3], "points": ["30", "40"], "tiebreak": False,
                  "finished": False, "winner": None}


# ---------------------------------------------------------------------------------------------
# serializers (input; answers come from apps.tournaments.selectors)


KNOCKOUT_FORMATS = (TournamentFormat.SINGLE_ELIMINATION, TournamentFormat.GROUPS_KNOCKOUT)


class TournamentSettings(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    format = serializers.ChoiceField(choices=TournamentFormat.choices)
    golden_point = serializers.BooleanField(required=False, default=False)
    super_tiebreak = serializers.BooleanField(required=False, default=False)
    is_public = serializers.BooleanField(required=False, default=True)
    entry_fee = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, required=False,
                                        allow_null=True)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False,
                                      error_messages={"invalid": "Use an ISO 4217 code such as EUR or MXN"})
    points_per_match = serializers.IntegerField(min_value=1, max_value=99, required=False,
                                                help_text="Americano/Mexicano: points played per match")
    group_size = serializers.IntegerField(min_value=2, max_value=16, required=False)
    advance_per_group = serializers.IntegerField(min_value=1, max_value=15, required=False)
    courts = serializers.IntegerField(min_value=1, max_value=64, required=False, allow_null=True,
                                      help_text="Americano/Mexicano: at most this many matches per round")
    rounds = serializers.IntegerField(min_value=1, max_value=50, required=False,
                                      help_text="Mexicano: number of rounds")
    third_place = serializers.BooleanField(required=False, default=False,
                                           help_text="Knockouts: the semi-finals' losers play for third place "
                                                     "(match key `3P`, before the final)")

    def validate(self, attrs):
        instance = self.instance
        size = attrs.get("group_size", getattr(instance, "group_size", 4))
        advance = attrs.get("advance_per_group", getattr(instance, "advance_per_group", 2))
        if advance >= size:
            raise serializers.ValidationError({"advance_per_group": ["must be smaller than group_size"]})
        fmt = attrs.get("format", getattr(instance, "format", None))
        # Only when this request sets either, and before the draw (after it, both are locked: 409).
        touches = "format" in attrs or "third_place" in attrs
        drafted = instance is None or instance.status == TournamentStatus.DRAFT
        if touches and drafted and attrs.get("third_place", getattr(instance, "third_place", False)) \
                and fmt not in KNOCKOUT_FORMATS:
            raise serializers.ValidationError({"third_place": [
                "only knockouts (single_elimination, groups_knockout) have a match for third place"]})
        return attrs


@extend_schema_field(OpenApiTypes.UUID)
class _ClubField(ScopedClubField):
    """A club the caller runs; any other id is a 400 naming `club`."""


class TournamentCreate(TournamentSettings):
    club = _ClubField()


class TournamentPatch(TournamentSettings):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            if hasattr(field, "default"):
                field.default = serializers.empty


@extend_schema_field({"type": "string", "description": "A user id, or the e-mail the player signed up with"})
class PlayerField(serializers.PrimaryKeyRelatedField):
    """A player by user id or by e-mail: the desk knows players' e-mails, not their ids."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "unknown_email": "No player has signed up with {email}. Ask them to create an account first.",
        "invalid_email": "Give a player's e-mail address or user id.",
    }

    def to_internal_value(self, data):
        if isinstance(data, str) and "@" in data:
            email = data.strip()
            try:
                validate_email(email)  # also keeps NUL bytes and 10 kB strings away from the database
            except DjangoValidationError:
                self.fail("invalid_email")
            user = self.get_queryset().filter(email=email.lower()).first()  # stored lower-cased
            if user is None:
                self.fail("unknown_email", email=email)
            return user
        return super().to_internal_value(data)


class EntryCreate(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    players = PlayerField(queryset=User.objects.filter(is_active=True), many=True, allow_empty=False,
                          help_text="User ids or sign-up e-mails: two for a pair, one for Americano/Mexicano")
    seed = serializers.IntegerField(min_value=1, max_value=999, required=False, allow_null=True)

    def to_internal_value(self, data):
        # Refused before the players are looked up: a list of thousands would be a query each.
        players = data.get("players") if hasattr(data, "get") else None
        if players is not None and not isinstance(players, list):
            raise InvalidInput(TournamentErrorCode.WRONG_PLAYER_COUNT, "Give `players` as a list",
                               details={"players": ["Give a list of one or two players"]})
        if isinstance(players, list) and len(players) > 2:
            message = "An entry has one player (Americano, Mexicano) or two (a pair)"
            raise InvalidInput(TournamentErrorCode.WRONG_PLAYER_COUNT, message, details={"players": [message]})
        return super().to_internal_value(data)


class EntryPatch(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    seed = serializers.IntegerField(min_value=1, max_value=999, required=False, allow_null=True)


class SeedInput(serializers.Serializer):
    entries = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=512,
                                    help_text="Entry ids, best seed first")

    def validate_entries(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("An entry is listed twice")
        tournament = self.context["tournament"]
        found = {e.pk: e for e in Entry.objects.filter(tournament=tournament, pk__in=value)}
        missing = [str(pk) for pk in value if pk not in found]
        if missing:
            raise serializers.ValidationError(f"Not entries of this tournament: {', '.join(missing)}")
        return [found[pk] for pk in value]


class ScheduleInput(serializers.Serializer):
    start_date = BoundedDateField(help_text="First day, in the club's timezone")
    match_minutes = serializers.IntegerField(min_value=10, max_value=480,
                                             help_text="Court time per match; rounded up to whole slots")


class PointInput(serializers.Serializer):
    team = serializers.ChoiceField(choices=[1, 2], help_text="1 or 2: the team that won the point")


class RescheduleInput(serializers.Serializer):
    court = serializers.UUIDField(help_text="An active court of the tournament's club")
    start = AwareDateTimeField(help_text="New start, with its UTC offset; the match keeps its length")


class ScorerField(PlayerField):
    def run_validation(self, data=serializers.empty):
        if data == "":  # DRF would read "" as null and clear the scorer: say what is missing instead
            self.fail("invalid_email")
        return super().run_validation(data)


class MatchPatch(serializers.Serializer):
    scorer = ScorerField(queryset=User.objects.filter(is_active=True), allow_null=True,
                         help_text="Who may score this match (point/undo): a user id or sign-up e-mail; null clears")


_TOURNAMENT_OUT = inline_serializer("Tournament", {
    "id": serializers.UUIDField(), "club": serializers.UUIDField(), "name": serializers.CharField(),
    "format": serializers.ChoiceField(choices=TournamentFormat.choices), "golden_point": serializers.BooleanField(),
    "super_tiebreak": serializers.BooleanField(), "is_public": serializers.BooleanField(),
    "entry_fee": serializers.CharField(allow_null=True), "currency": serializers.CharField(),
    "points_per_match": serializers.IntegerField(), "group_size": serializers.IntegerField(),
    "advance_per_group": serializers.IntegerField(), "courts": serializers.IntegerField(allow_null=True),
    "rounds": serializers.IntegerField(), "third_place": serializers.BooleanField(),
    "status": serializers.CharField(),
    "generated_at": serializers.DateTimeField(allow_null=True), "created_at": serializers.DateTimeField()})
_ENTRY_OUT = inline_serializer("TournamentEntry", {
    "id": serializers.UUIDField(), "tournament": serializers.UUIDField(), "name": serializers.CharField(),
    "seed": serializers.IntegerField(allow_null=True), "players": serializers.ListField(child=serializers.DictField())})
_MATCH_OUT = inline_serializer("TournamentMatch", {
    "id": serializers.UUIDField(), "tournament": serializers.UUIDField(), "key": serializers.CharField(),
    "stage": serializers.ChoiceField(choices=MatchStage.choices), "group": serializers.CharField(allow_null=True),
    "round": serializers.IntegerField(), "position": serializers.IntegerField(),
    "sequence": serializers.IntegerField(),
    "team1": serializers.DictField(allow_null=True, help_text="{id, name, seed, entries, players} or null"),
    "team2": serializers.DictField(allow_null=True),
    "source1": serializers.DictField(allow_null=True), "source2": serializers.DictField(allow_null=True),
    "next_match": serializers.UUIDField(allow_null=True), "next_slot": serializers.IntegerField(allow_null=True),
    "loser_next_match": serializers.UUIDField(allow_null=True, help_text="Semi-finals: the third-place match"),
    "loser_next_slot": serializers.IntegerField(allow_null=True),
    "status": serializers.CharField(help_text="pending, scheduled, in_progress, finished or bye"),
    "score": serializers.DictField(help_text=f"e.g. {_SCORE_EXAMPLE}"),
    "winner": serializers.IntegerField(allow_null=True), "court": serializers.DictField(allow_null=True),
    "start": serializers.DateTimeField(allow_null=True), "end": serializers.DateTimeField(allow_null=True),
    "started_at": serializers.DateTimeField(allow_null=True),
    "finished_at": serializers.DateTimeField(allow_null=True),
    "scorer": serializers.UUIDField(allow_null=True, help_text="Only for the club's staff and the scorer"),
    "scorer_name": serializers.CharField(allow_null=True)})


# ---------------------------------------------------------------------------------------------
# views


@extend_schema(responses=_TOURNAMENT_OUT)
class TournamentViewSet(ReadOpenMixin, TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    queryset = Tournament.objects.select_related("club")
    filterset_fields = ["club", "format", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    public_read = True
    public_lookup = "is_public"  # the tournament's own flag, whatever its club's

    def get_serializer_class(self):
        return TournamentCreate

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "entries" and self.request.method == "POST":
            throttles.append(PlayerLookupThrottle())
        return throttles

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([selectors.tournament_data(t) for t in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(selectors.tournament_data(self.get_object()))

    @extend_schema(request=TournamentCreate, responses={201: _TOURNAMENT_OUT})
    def create(self, request, *args, **kwargs):
        data = TournamentCreate(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        tournament = services.tournament_create(user=request.user, **data.validated_data)
        return enveloped_response(selectors.tournament_data(tournament), "Tournament created", status=201)

    @extend_schema(request=TournamentPatch, responses={200: _TOURNAMENT_OUT})
    def partial_update(self, request, *args, **kwargs):
        tournament = self.get_object()
        data = TournamentPatch(tournament, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tournament = services.tournament_update(tournament=tournament, **data.validated_data)
        return enveloped_response(selectors.tournament_data(tournament), "Tournament updated")

    @extend_schema(methods=["GET"], responses={200: _ENTRY_OUT})
    @extend_schema(methods=["POST"], request=EntryCreate, responses={201: _ENTRY_OUT})
    @action(detail=True, methods=["get", "post"])
    def entries(self, request, pk=None):
        tournament = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.ordered_entries(tournament))
            return self.get_paginated_response([selectors.entry_data(e) for e in page])
        data = EntryCreate(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.entry_create(tournament=tournament, **data.validated_data)
        entry = selectors.entries_with_players().get(pk=entry.pk)
        return enveloped_response(selectors.entry_data(entry), "Entry added", status=201)

    @extend_schema(request=SeedInput, responses={200: _ENTRY_OUT})
    @action(detail=True, methods=["post"])
    def seed(self, request, pk=None):
        tournament = self.get_object()
        data = SeedInput(data=request.data, context={"tournament": tournament})
        data.is_valid(raise_exception=True)
        entries = services.tournament_seed(tournament=tournament, entries=data.validated_data["entries"])
        return enveloped_response([selectors.entry_data(e) for e in entries], "Seeds saved")

    @extend_schema(request=None, responses={201: _MATCH_OUT})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        matches = services.tournament_generate(tournament=self.get_object())
        fresh = list(selectors.matches_for_output().filter(pk__in=[m.pk for m in matches]))
        return enveloped_response(_matches_out(fresh, request), f"{len(fresh)} matches generated", status=201)

    @extend_schema(request=ScheduleInput, responses={200: _MATCH_OUT})
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        tournament = self.get_object()
        data = ScheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        matches = services.tournament_schedule(tournament=tournament, **data.validated_data)
        return enveloped_response(_matches_out(matches, request), f"{len(matches)} matches scheduled")

    @extend_schema(request=None, responses={201: _MATCH_OUT})
    @action(detail=True, methods=["post"], url_path="next-round")
    def next_round(self, request, pk=None):
        matches = services.round_generate(tournament=self.get_object())
        fresh = list(selectors.matches_for_output().filter(pk__in=[m.pk for m in matches]))
        return enveloped_response(_matches_out(fresh, request), "Next round drawn", status=201)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def live(self, request, pk=None):
        """The tournament stream's snapshot and its `seq`: load this, then subscribe with `since=seq`."""
        tournament = self.get_object()
        seq, data = read_snapshot(tournament_stream_target(tournament), {})
        return Response({"seq": seq, **data})


def _matches_out(matches, request) -> list[dict]:
    """Matches as the stream shows them, plus who scores each: `scorer` and `scorer_name` for the
    club's staff and for that scorer, null for everyone else (the scorer is not public)."""
    matches = list(matches)
    out = selectors.matches_data_many(matches)
    user = request.user if request.user.is_authenticated else None
    scope = tenant_scope(request)
    shown = {m.pk for m in matches if m.scorer_id and (scope.is_club_staff(m.tournament.club_id)
                                                        or (user is not None and m.scorer_id == user.pk))}
    names = {u.pk: u.full_name for u in User.objects.filter(pk__in={m.scorer_id for m in matches if m.pk in shown})}
    for row, match in zip(out, matches, strict=True):
        visible = match.pk in shown
        row["scorer"] = str(match.scorer_id) if visible else None
        row["scorer_name"] = names.get(match.scorer_id) if visible else None
    return out


@extend_schema(responses=_ENTRY_OUT)
class EntryViewSet(ReadOpenMixin, TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.DestroyModelMixin, viewsets.GenericViewSet):
    queryset = selectors.entries_with_players().select_related("tournament")
    club_lookup = "tournament__club"
    filterset_fields = ["tournament"]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    public_read = True
    public_lookup = "tournament__is_public"

    def get_serializer_class(self):
        return EntryPatch

    def safely_get_queryset(self, queryset):
        return queryset.order_by("tournament", "seed", "created_at", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([selectors.entry_data(e) for e in page])

    def retrieve(self, request, *args, **kwargs):
        return Response(selectors.entry_data(self.get_object()))

    @extend_schema(request=EntryPatch, responses={200: _ENTRY_OUT})
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = EntryPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        entry = services.entry_update(entry=entry, **data.validated_data)
        entry = selectors.entries_with_players().get(pk=entry.pk)
        return enveloped_response(selectors.entry_data(entry), "Entry updated")

    def destroy(self, request, *args, **kwargs):
        services.entry_delete(entry=self.get_object())
        return enveloped_response(None, "Entry removed")


class MatchFilterParams(serializers.Serializer):
    tournament = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=MatchStatus.choices, required=False)
    stage = serializers.ChoiceField(choices=MatchStage.choices, required=False)
    round = serializers.IntegerField(min_value=1, required=False)
    group = serializers.CharField(max_length=8, required=False)
    club = serializers.UUIDField(required=False, help_text="Matches of this club's tournaments")
    date = BoundedDateField(required=False, help_text="With `club`: matches on its courts that day "
                                 "(the club's local date), in time order")

    def validate_date(self, value):
        if value.year >= 9999:  # the day after must exist
            raise serializers.ValidationError("too far ahead")
        return value

    def validate(self, attrs):
        if "date" in attrs and "club" not in attrs:
            raise serializers.ValidationError({"date": ["give `club` too: the day is the club's local day"]})
        return attrs


@extend_schema(responses=_MATCH_OUT)
class MatchViewSet(ReadOpenMixin, TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    queryset = selectors.matches_for_output()
    club_lookup = "tournament__club"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []
    public_read = True
    public_lookup = "tournament__is_public"
    # The assigned scorer reads their match and may score it, and do nothing else.
    user_lookup = "scorer"
    user_actions = ("point", "undo")

    def get_serializer_class(self):
        return MatchPatch

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "partial_update":
            throttles.append(PlayerLookupThrottle())
        return throttles

    @extend_schema(parameters=[MatchFilterParams])
    def list(self, request, *args, **kwargs):
        params = MatchFilterParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        club_id, day = filters.pop("club", None), filters.pop("date", None)
        qs = self.get_queryset().filter(**filters)
        if club_id is not None:
            qs = selectors.matches_of_club(qs, club_id=club_id, day=day)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(_matches_out(page, request))

    def retrieve(self, request, *args, **kwargs):
        return Response(_matches_out([self.get_object()], request)[0])

    @extend_schema(request=MatchPatch, responses={200: _MATCH_OUT})
    def partial_update(self, request, *args, **kwargs):
        match = self.get_object()
        data = MatchPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        match = services.match_update(match=match, **data.validated_data)
        return enveloped_response(_matches_out([match], request)[0], "Match updated")

    @extend_schema(request=PointInput, responses={200: _MATCH_OUT})
    @action(detail=True, methods=["post"])
    def point(self, request, pk=None):
        match = self.get_object()
        data = PointInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.point_add(match=match, team=data.validated_data["team"])
        return enveloped_response(_matches_out([match], request)[0], "Point scored")

    @extend_schema(request=None, responses={200: inline_serializer("MatchCalled", {
        "match": _MATCH_OUT, "notified": serializers.IntegerField()})})
    @action(detail=True, methods=["post"])
    def call(self, request, pk=None):
        """Call the match's players to their court (a notification each; calling again re-sends)."""
        match, notified = services.match_call(match=self.get_object())
        return enveloped_response({"match": _matches_out([match], request)[0], "notified": notified},
                       f"{notified} players called")

    @extend_schema(request=RescheduleInput, responses={200: _MATCH_OUT})
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        """Move a scheduled match to another court or time (staff); its length stays the same."""
        match = self.get_object()
        data = RescheduleInput(data=request.data)
        data.is_valid(raise_exception=True)
        # Another club's court reads like a missing one: the answer reveals nothing about it.
        court = Court.objects.filter(pk=data.validated_data["court"], club_id=match.tournament.club_id,
                                     is_active=True).first()
        if court is None:
            raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "Choose an active court of this club",
                               details={"court": ["not an active court of this club"]})
        match = services.match_reschedule(match=match, court=court, start=data.validated_data["start"])
        return enveloped_response(_matches_out([match], request)[0], "Match moved")

    @extend_schema(request=None, responses={200: _MATCH_OUT})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        match = services.point_undo(match=self.get_object())
        return enveloped_response(_matches_out([match], request)[0], "Point taken back")
