from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.clubs.api import ClubViewSet, CourtViewSet, DisplayKeyViewSet, MaintenanceBlockViewSet, PricingRuleViewSet
from apps.organizations.api import OrganizationViewSet
from apps.payments.api import MarkPaidApi, RefundAtDeskApi
from apps.reservations.api import AvailabilityApi, ReservationViewSet

# SimpleRouter: no browsable root and no `.json` format-suffix routes (JSON is the only format;
# suffix routes also crashed custom actions that take no `format` argument).
root = SimpleRouter(use_regex_path=False)
root.register("organizations", OrganizationViewSet, basename="organization")

clubs = SimpleRouter(use_regex_path=False)
clubs.register("clubs", ClubViewSet, basename="club")
clubs.register("courts", CourtViewSet, basename="court")
clubs.register("display-keys", DisplayKeyViewSet, basename="display-key")
clubs.register("pricing-rules", PricingRuleViewSet, basename="pricing-rule")
clubs.register("maintenance-blocks", MaintenanceBlockViewSet, basename="maintenance-block")

reservations = SimpleRouter(use_regex_path=False)
reservations.register("reservations", ReservationViewSet, basename="reservation")

urlpatterns = [
    path("auth/", include("apps.accounts.urls")),
    path("root/", include(root.urls)),
    path("clubs/", include(clubs.urls)),
    path("reservations/availability/", AvailabilityApi.as_view(), name="availability"),
    path("reservations/reservations/<uuid:pk>/mark-paid/", MarkPaidApi.as_view(), name="reservation-mark-paid"),
    path("reservations/reservations/<uuid:pk>/refund-at-desk/", RefundAtDeskApi.as_view(),
         name="reservation-refund-at-desk"),
    path("reservations/", include(reservations.urls)),
    path("tournaments/", include("apps.tournaments.urls")),
    path("payments/", include("apps.payments.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("reports/", include("apps.reports.urls")),
]
