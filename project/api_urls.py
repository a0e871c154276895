from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.clubs.api import ClubViewSet, CourtViewSet, DisplayKeyViewSet, MaintenanceBlockViewSet, PricingRuleViewSet
from apps.organizations.api import OrganizationViewSet
from apps.reservations.api import AvailabilityApi, ReservationViewSet

root = DefaultRouter(use_regex_path=False)
root.include_root_view = False
root.register("organizations", OrganizationViewSet, basename="organization")

clubs = DefaultRouter(use_regex_path=False)
clubs.include_root_view = False
clubs.register("clubs", ClubViewSet, basename="club")
clubs.register("courts", CourtViewSet, basename="court")
clubs.register("display-keys", DisplayKeyViewSet, basename="display-key")
clubs.register("pricing-rules", PricingRuleViewSet, basename="pricing-rule")
clubs.register("maintenance-blocks", MaintenanceBlockViewSet, basename="maintenance-block")

reservations = DefaultRouter(use_regex_path=False)
reservations.include_root_view = False
reservations.register("reservations", ReservationViewSet, basename="reservation")

urlpatterns = [
    path("auth/", include("apps.accounts.urls")),
    path("root/", include(root.urls)),
    path("clubs/", include(clubs.urls)),
    path("reservations/availability/", AvailabilityApi.as_view(), name="availability"),
    path("reservations/", include(reservations.urls)),
]
