"""REST contract of tournaments (CONTRACT §4): shapes, codes, permissions, tenancy."""
from __future__ import annotations

import copy
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from apps.notifications.models import Notification
from apps.tournaments import services
from apps.tournaments.models import Match, Tournament
from tests.support.factories import ClubFactory, UserFactory, staff_of
from tests.support.tournaments import API, auth, club_with_staff, data, error, make_tournament, win_match

pytestmark = pytest.mark.django_db

SCORE_KEYS = {"sets", "games", "points", "tiebreak", "finished", "winner"}


def create_tournament(client, club, **fields):
    payload = {"club": str(club.pk), "name": "Open de Otoño", "format": "single_elimination",
               "golden_point": True, "super_tiebreak": True, "is_public": True, **fields}
    return client.post(f"{API}/tournaments/", payload, format="json")


def add_pair(client, tournament_id, name=None, seed=None):
    a, b = UserFactory(), UserFactory()
    payload = {"players": [str(a.pk), str(b.pk)]}
    if name:
        payload["name"] = name
    if seed is not None:
        payload["seed"] = seed
    return client.post(f"{API}/tournaments/{tournament_id}/entries/", payload, format="json")


def test_staff_create_enter_generate_list_and_score(api_client):
    club, staff = club_with_staff()
    auth(api_client, staff)
    created = data(create_tournament(api_client, club, entry_fee="30.00"), 201)
    assert created["club"] == str(club.pk)
    assert created["format"] == "single_elimination"
    assert (created["golden_point"], created["super_tiebreak"], created["is_public"]) == (True, True, True)
    assert created["entry_fee"] == "30.00" and created["currency"] == "EUR"
    assert created["status"] == "draft"
    tid = created["id"]

    entry_ids = [data(add_pair(api_client, tid, name=f"Pair {i}"), 201)["id"] for i in range(1, 5)]
    entry = data(api_client.get(f"{API}/entries/{entry_ids[0]}/"))
    assert entry["name"] == "Pair 1" and len(entry["players"]) == 2 and entry["seed"] is None

    matches = data(api_client.post(f"{API}/tournaments/{tid}/generate/"), 201)
    assert len(matches) == 3
    listed = api_client.get(f"{API}/matches/?tournament={tid}")
    rows = data(listed)
    assert listed.json()["pagination"]["total_count"] == 3
    first = rows[0]
    for key in ("id", "round", "court", "start", "end", "team1", "team2", "status", "score"):
        assert key in first
    assert set(first["score"]) >= SCORE_KEYS
    assert first["score"] == {"sets": [], "games": [0, 0], "points": ["0", "0"], "tiebreak": False,
                              "finished": False, "winner": None}
    assert first["team1"]["id"] in entry_ids and first["team2"]["id"] in entry_ids
    assert first["status"] == "scheduled" and first["round"] == 1
    final = next(r for r in rows if r["round"] == 2)
    assert final["team1"] is None and final["status"] == "pending"
    assert final["source1"] == {"kind": "winner", "match": "R1-M1"}

    scored = data(api_client.post(f"{API}/matches/{first['id']}/point/", {"team": 2}, format="json"))
    assert scored["status"] == "in_progress"
    assert scored["score"]["points"] == ["0", "15"]
    undone = data(api_client.post(f"{API}/matches/{first['id']}/undo/"))
    assert undone["score"]["points"] == ["0", "0"] and undone["status"] == "scheduled"
    error(api_client.post(f"{API}/matches/{first['id']}/undo/"), 409, "nothing_to_undo")


def test_generate_twice_is_409_and_entries_after_draw_are_409(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    auth(api_client, staff)
    data(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 201)
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 409, "already_generated")
    error(add_pair(api_client, tournament.pk), 409, "already_generated")
    assert Match.objects.filter(tournament=tournament).count() == 3


def test_point_after_the_end_is_409_match_finished(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    match = win_match(match, team=1)
    auth(api_client, staff)
    err = error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"), 409,
                "match_finished")
    assert err["details"] == {}
    final = data(api_client.get(f"{API}/matches/{match.pk}/"))
    assert final["score"]["finished"] is True and final["score"]["winner"] == 1
    assert final["score"]["sets"] == [[6, 0], [6, 0]]
    assert final["winner"] == 1 and final["status"] == "finished"


@pytest.mark.parametrize("team", [0, 3, "x", None, True, 1.5])
def test_bad_team_is_400(api_client, team):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    auth(api_client, staff)
    err = error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": team}, format="json"), 400)
    assert "team" in err["details"]
    assert Match.objects.get(pk=match.pk).points == []


def test_point_on_a_pending_match_is_409_not_ready(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    final = Match.objects.get(tournament=tournament, round=2)
    auth(api_client, staff)
    error(api_client.post(f"{API}/matches/{final.pk}/point/", {"team": 1}, format="json"), 409, "match_not_ready")


def test_anonymous_reads_public_but_cannot_write(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    auth(api_client, None)
    assert data(api_client.get(f"{API}/tournaments/{tournament.pk}/"))["name"] == "Open"
    assert len(data(api_client.get(f"{API}/matches/?tournament={tournament.pk}"))) == 1
    error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"), 401)
    error(create_tournament(api_client, club), 401)


def test_player_cannot_score_or_change_a_public_tournament(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    auth(api_client, UserFactory())
    error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"), 403, "permission_denied")
    error(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"name": "x"}, format="json"), 403)
    error(add_pair(api_client, tournament.pk), 403)


def test_scorer_is_set_by_email_and_shown_only_to_staff_and_the_scorer(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)  # public: anyone may read its matches
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    scorer = UserFactory(email="arbitro@example.com", first_name="Pau", last_name="Gil")
    auth(api_client, staff)
    patched = data(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": "Arbitro@Example.com"},
                                    format="json"))
    assert (patched["scorer"], patched["scorer_name"]) == (str(scorer.pk), "Pau Gil")
    listed = data(api_client.get(f"{API}/matches/?tournament={tournament.pk}"))
    assert listed[0]["scorer_name"] == "Pau Gil"
    err = error(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": "nadie@example.com"}, format="json"), 400)
    assert "nadie@example.com" in str(err["details"]["scorer"])
    assert Match.objects.get(pk=match.pk).scorer_id == scorer.pk  # the refused change left it alone
    err = error(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": ""}, format="json"), 400)
    assert "scorer" in err["details"]  # an empty box is not "nobody": null is
    assert Match.objects.get(pk=match.pk).scorer_id == scorer.pk

    auth(api_client, scorer)  # the scorer sees themself
    assert data(api_client.get(f"{API}/matches/{match.pk}/"))["scorer"] == str(scorer.pk)
    auth(api_client, UserFactory())  # another player reads the public match, not who scores it
    other = data(api_client.get(f"{API}/matches/{match.pk}/"))
    assert (other["scorer"], other["scorer_name"]) == (None, None)
    api_client.credentials()
    assert data(api_client.get(f"{API}/matches/?tournament={tournament.pk}"))[0]["scorer"] is None

    auth(api_client, staff)
    cleared = data(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": None}, format="json"))
    assert (cleared["scorer"], cleared["scorer_name"]) == (None, None)


def test_assigned_scorer_may_score_and_undo_only(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2, is_public=False)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    scorer = UserFactory()
    auth(api_client, staff)
    patched = data(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": str(scorer.pk)}, format="json"))
    assert patched["scorer"] == str(scorer.pk)
    auth(api_client, scorer)
    assert data(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"))["score"][
        "points"] == ["15", "0"]
    assert data(api_client.post(f"{API}/matches/{match.pk}/undo/"))["score"]["points"] == ["0", "0"]
    error(api_client.patch(f"{API}/matches/{match.pk}/", {"scorer": None}, format="json"), 403)
    # The scorer sees their match, not the rest of a private tournament.
    error(api_client.get(f"{API}/tournaments/{tournament.pk}/"), 404)


def test_private_tournament_and_other_tenant_are_404(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2, is_public=False)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    other_club, other_staff = club_with_staff()
    for who in (None, UserFactory(), other_staff):
        auth(api_client, who)
        error(api_client.get(f"{API}/tournaments/{tournament.pk}/"), 404, "not_found")
        error(api_client.get(f"{API}/matches/{match.pk}/"), 404)
        assert data(api_client.get(f"{API}/matches/?tournament={tournament.pk}")) == []
        assert str(tournament.pk) not in [t["id"] for t in data(api_client.get(f"{API}/tournaments/"))]
    auth(api_client, other_staff)
    error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"), 404)
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 404)
    auth(api_client, staff)
    assert data(api_client.get(f"{API}/tournaments/{tournament.pk}/"))["is_public"] is False


def test_another_tenants_club_in_the_body_is_400_naming_club(api_client):
    _club, staff = club_with_staff()
    other = ClubFactory()
    auth(api_client, staff)
    err = error(create_tournament(api_client, other), 400, "validation_error")
    assert "club" in err["details"]
    assert not Tournament.objects.filter(club=other).exists()


def test_create_validation(api_client):
    club, staff = club_with_staff()
    auth(api_client, staff)
    assert "format" in error(create_tournament(api_client, club, format="ladder"), 400)["details"]
    assert "entry_fee" in error(create_tournament(api_client, club, entry_fee="-1"), 400)["details"]
    assert "advance_per_group" in error(create_tournament(api_client, club, format="groups_knockout",
                                                          group_size=3, advance_per_group=3), 400)["details"]
    assert "name" in error(create_tournament(api_client, club, name=""), 400)["details"]
    error(api_client.post(f"{API}/tournaments/", [1, 2], format="json"), 400)


def test_entries_validation(api_client):
    club, staff = club_with_staff()
    auth(api_client, staff)
    pair_tid = data(create_tournament(api_client, club), 201)["id"]
    solo_tid = data(create_tournament(api_client, club, format="americano"), 201)["id"]
    a, b = UserFactory(), UserFactory()
    err = error(api_client.post(f"{API}/tournaments/{pair_tid}/entries/", {"players": [str(a.pk)]}, format="json"),
                400, "wrong_player_count")
    assert "players" in err["details"]
    error(api_client.post(f"{API}/tournaments/{solo_tid}/entries/", {"players": [str(a.pk), str(b.pk)]},
                          format="json"), 400, "wrong_player_count")
    error(api_client.post(f"{API}/tournaments/{pair_tid}/entries/", {"players": [str(a.pk), str(a.pk)]},
                          format="json"), 400, "wrong_player_count")
    err = error(api_client.post(f"{API}/tournaments/{pair_tid}/entries/",
                                {"players": [str(a.pk), "7b1a7c34-6d1e-4c55-9d2e-0c7b8f7d5a11"]}, format="json"), 400)
    assert "players" in err["details"]
    solo = data(api_client.post(f"{API}/tournaments/{solo_tid}/entries/", {"players": [str(a.pk)]}, format="json"),
                201)
    assert solo["name"] == a.last_name and [p["id"] for p in solo["players"]] == [str(a.pk)]
    error(api_client.post(f"{API}/tournaments/{solo_tid}/entries/", {"players": [str(a.pk)]}, format="json"),
          409, "player_already_entered")
    data(add_pair(api_client, pair_tid, seed=1), 201)
    err = error(add_pair(api_client, pair_tid, seed=1), 409, "seed_taken")
    assert "seed" in err["details"]


def test_entries_take_players_by_sign_up_email(api_client):
    """The desk knows e-mails, not user ids: any case, surrounding spaces, mixed with ids."""
    club, staff = club_with_staff()
    auth(api_client, staff)
    tid = data(create_tournament(api_client, club), 201)["id"]
    a = UserFactory(email="ana.lopez@example.com", last_name="López")
    b = UserFactory(email="bea@example.com", last_name="Ruiz")
    entry = data(api_client.post(f"{API}/tournaments/{tid}/entries/",
                                 {"players": [" Ana.Lopez@Example.com ", str(b.pk)]}, format="json"), 201)
    assert [p["id"] for p in entry["players"]] == [str(a.pk), str(b.pk)]
    err = error(api_client.post(f"{API}/tournaments/{tid}/entries/",
                                {"players": ["nobody@example.com", str(UserFactory().pk)]}, format="json"), 400)
    assert "nobody@example.com" in str(err["details"]["players"]) and "account" in str(err["details"]["players"])
    gone = UserFactory(email="gone@example.com", is_active=False)
    err = error(api_client.post(f"{API}/tournaments/{tid}/entries/",
                                {"players": [gone.email, str(UserFactory().pk)]}, format="json"), 400)
    assert "players" in err["details"]
    many = ["x@example.com"] * 5000  # refused on its length, before 5,000 look-ups
    error(api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": many}, format="json"), 400,
          "wrong_player_count")
    assert Tournament.objects.get(pk=tid).entries.count() == 1  # the refused ones left nothing behind


@pytest.mark.parametrize("players", [
    ["a@b\u0000c.com", "x@example.com"],  # a NUL byte never reaches PostgreSQL
    ["not@an address", "x@example.com"],
    ["@" * 5000, "x@example.com"],
])
def test_malformed_player_emails_are_a_400(api_client, players):
    club, staff = club_with_staff()
    auth(api_client, staff)
    tid = data(create_tournament(api_client, club), 201)["id"]
    err = error(api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": players}, format="json"), 400)
    assert "e-mail address or user id" in str(err["details"]["players"])


@pytest.mark.parametrize("players", [{"a@example.com": 1, "b@example.com": 2}, "a@example.com", 7])
def test_players_must_be_a_list(api_client, players):
    club, staff = club_with_staff()
    auth(api_client, staff)
    tid = data(create_tournament(api_client, club), 201)["id"]
    error(api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": players}, format="json"), 400,
          "wrong_player_count")


def test_entering_players_by_email_has_its_own_rate_limit(api_client, settings):
    """Any signed-up user can open a club and become its staff: without a limit, entries by
    e-mail would turn a list of addresses into the names behind them."""
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["player_lookup"] = "3/hour"
    club, staff = club_with_staff()
    auth(api_client, staff)
    tid = data(create_tournament(api_client, club, format="americano"), 201)["id"]
    players = [UserFactory() for _ in range(5)]
    cache.clear()
    with override_settings(REST_FRAMEWORK=rest):
        for player in players[:3]:
            data(api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": [player.email]}, format="json"), 201)
        response = api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": [players[3].email]},
                                   format="json")
        error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        # By id (what integrations send) is not an e-mail look-up and is not counted.
        data(api_client.post(f"{API}/tournaments/{tid}/entries/", {"players": [str(players[4].pk)]},
                             format="json"), 201)


def test_seeding_orders_the_draw(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    entries = list(tournament.entries.order_by("name"))  # E1..E4, entered in that order
    auth(api_client, staff)
    # Seed E4 first and E3 second, E1 and E2 after them.
    order = [entries[3], entries[2], entries[0], entries[1]]
    seeded = data(api_client.post(f"{API}/tournaments/{tournament.pk}/seed/",
                                  {"entries": [str(e.pk) for e in order]}, format="json"))
    assert [(e["name"], e["seed"]) for e in seeded] == [("E4", 1), ("E3", 2), ("E1", 3), ("E2", 4)]
    # PATCH one seed: swap 3 and 4 through an unseeded moment.
    data(api_client.patch(f"{API}/entries/{entries[0].pk}/", {"seed": None}, format="json"))
    data(api_client.patch(f"{API}/entries/{entries[1].pk}/", {"seed": 3}, format="json"))
    error(api_client.patch(f"{API}/entries/{entries[0].pk}/", {"seed": 3}, format="json"), 409, "seed_taken")
    data(api_client.patch(f"{API}/entries/{entries[0].pk}/", {"seed": 4}, format="json"))
    rows = data(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 201)
    first_round = sorted((r for r in rows if r["round"] == 1), key=lambda r: r["position"])
    # Seeds now: E4 1, E3 2, E2 3, E1 4. Standard seeding: 1 v 4 on top, 2 v 3 below.
    assert [(r["team1"]["name"], r["team2"]["name"]) for r in first_round] == [("E4", "E1"), ("E3", "E2")]
    bad = error(api_client.post(f"{API}/tournaments/{tournament.pk}/seed/", {"entries": [str(entries[0].pk)]},
                                format="json"), 409, "already_generated")
    assert bad
    other = make_tournament(club, entries=2)
    err = error(api_client.post(f"{API}/tournaments/{other.pk}/seed/", {"entries": [str(entries[0].pk)]},
                                format="json"), 400)
    assert "entries" in err["details"]


def test_generation_is_deterministic_for_a_seeding(api_client):
    club, staff = club_with_staff()
    auth(api_client, staff)
    shapes = []
    for _ in range(2):
        tournament = make_tournament(club, format="round_robin", entries=5)
        rows = data(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 201)
        shapes.append([(r["key"], r["team1"]["name"], r["team2"]["name"]) for r in rows])
    assert shapes[0] == shapes[1] and len(shapes[0]) == 10


def test_patch_tournament_settings(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    auth(api_client, staff)
    assert data(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"golden_point": True},
                                 format="json"))["golden_point"] is True
    services.tournament_generate(tournament=tournament)
    err = error(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"golden_point": False}, format="json"),
                409, "field_locked")
    assert "golden_point" in err["details"]
    renamed = data(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"name": "Final Four", "is_public": False},
                                    format="json"))
    assert renamed["name"] == "Final Four" and renamed["is_public"] is False


def test_format_cannot_switch_between_pairs_and_single_players_once_entered(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    auth(api_client, staff)
    err = error(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"format": "americano"}, format="json"),
                409, "field_locked")
    assert "format" in err["details"]
    assert data(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"format": "round_robin"},
                                 format="json"))["format"] == "round_robin"


def test_delete_entry_before_the_draw(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=3)
    entry = tournament.entries.first()
    auth(api_client, staff)
    assert api_client.delete(f"{API}/entries/{entry.pk}/").json()["data"] is None
    assert tournament.entries.count() == 2
    services.tournament_generate(tournament=tournament)
    error(api_client.delete(f"{API}/entries/{tournament.entries.first().pk}/"), 409, "already_generated")


def test_not_enough_entries_is_409(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, format="americano", entries=3)
    auth(api_client, staff)
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 409, "not_enough_entries")
    assert tournament.matches.count() == 0


def test_match_list_filters_and_bad_params(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=8)
    services.tournament_generate(tournament=tournament)
    auth(api_client, None)
    assert len(data(api_client.get(f"{API}/matches/?tournament={tournament.pk}&round=1"))) == 4
    assert len(data(api_client.get(f"{API}/matches/?tournament={tournament.pk}&status=pending"))) == 3
    assert "tournament" in error(api_client.get(f"{API}/matches/?tournament=nope"), 400)["details"]
    assert "round" in error(api_client.get(f"{API}/matches/?round=x"), 400)["details"]


def test_live_snapshot_endpoint_carries_seq(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    snap = data(api_client.get(f"{API}/tournaments/{tournament.pk}/live/"))
    assert snap["seq"] >= 1
    assert snap["tournament"]["id"] == str(tournament.pk)
    assert len(snap["matches"]) == 1 and len(snap["entries"]) == 2


def test_another_clubs_staff_cannot_score_a_public_tournament(api_client):
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    other = staff_of(ClubFactory())
    auth(api_client, other)
    error(api_client.post(f"{API}/matches/{match.pk}/point/", {"team": 1}, format="json"), 403)


def test_staff_call_a_match_and_its_players_are_notified(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4, name="Copa")
    services.tournament_generate(tournament=tournament)
    day = timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=1)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=60)
    semi = Match.objects.filter(tournament=tournament, round=1).order_by("position").first()
    players = {ep.user_id for side in (1, 2) for e in semi.team_entries(side) for ep in e.entry_players.all()}
    auth(api_client, UserFactory())
    error(api_client.post(f"{API}/matches/{semi.pk}/call/"), 403)
    auth(api_client, staff)
    called = data(api_client.post(f"{API}/matches/{semi.pk}/call/"))
    assert called["notified"] == 4 and called["match"]["id"] == str(semi.pk)
    sent = Notification.objects.filter(kind="match_called")
    assert {n.user_id for n in sent} == players
    note = sent.first()
    assert note.data["court"] == called["match"]["court"]["name"] and note.data["match"] == str(semi.pk)
    assert "Copa" in note.body
    assert data(api_client.post(f"{API}/matches/{semi.pk}/call/"))["notified"] == 4  # a deliberate re-call
    assert Notification.objects.filter(kind="match_called").count() == 8
    final = Match.objects.get(tournament=tournament, round=2)
    error(api_client.post(f"{API}/matches/{final.pk}/call/"), 409, "match_not_ready")
