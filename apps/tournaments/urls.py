"""/api/v1/tournaments/... (SimpleRouter like project/api_urls.py: no root view, no `.json` suffix routes)."""
from rest_framework.routers import SimpleRouter

from apps.tournaments.api import EntryViewSet, MatchViewSet, TournamentViewSet

router = SimpleRouter(use_regex_path=False)
router.register("tournaments", TournamentViewSet, basename="tournament")
router.register("entries", EntryViewSet, basename="tournament-entry")
router.register("matches", MatchViewSet, basename="tournament-match")

urlpatterns = router.urls
