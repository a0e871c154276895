"""Every HTML page of the site (the API lives under /api/v1/, see project/api_urls.py)."""
from django.urls import path

from apps.web.views import account, booking, display, staff, tournaments

app_name = "web"

urlpatterns = [
    path("", booking.home_page, name="home"),
    path("clubs/<slug:slug>/", booking.booking_page, name="booking"),
    path("clubs/<slug:slug>/display/", display.display_page, name="display"),
    path("clubs/<slug:slug>/staff/", staff.staff_page, name="staff"),
    path("clubs/<slug:slug>/tournaments/", tournaments.desk_page, name="tournaments-desk"),
    path("tournaments/<uuid:tournament_id>/board/", tournaments.board_page, name="tournament-board"),
    path("tournaments/<uuid:tournament_id>/score/<uuid:match_id>/", tournaments.scorer_page,
         name="tournament-scorer"),
    path("reset-password/", account.password_reset_page, name="password-reset"),
]
