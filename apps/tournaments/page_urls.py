"""Pages: /tournaments/<id>/board/ (scoreboard) and /tournaments/<id>/score/<match_id>/ (scorer)."""
from django.urls import path

from apps.tournaments import pages

app_name = "tournaments"

urlpatterns = [
    path("<uuid:tournament_id>/board/", pages.board_page, name="board"),
    path("<uuid:tournament_id>/score/<uuid:match_id>/", pages.scorer_page, name="scorer"),
]
