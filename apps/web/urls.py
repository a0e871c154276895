from django.urls import path

from apps.tournaments import pages as tournament_pages
from apps.web import views, views_staff

app_name = "web"

urlpatterns = [
    path("", views.home_page, name="home"),
    path("clubs/<slug:slug>/", views.booking_page, name="booking"),
    path("clubs/<slug:slug>/display/", views.display_page, name="display"),
    path("clubs/<slug:slug>/staff/", views_staff.staff_page, name="staff"),
    path("clubs/<slug:slug>/tournaments/", tournament_pages.desk_page, name="tournaments-desk"),
    path("reset-password/", views.password_reset_page, name="password-reset"),
]
