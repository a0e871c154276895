from rest_framework.routers import SimpleRouter

from apps.reports.api import ReportViewSet

router = SimpleRouter(use_regex_path=False)  # no format-suffix routes: JSON (and the CSV download) only
router.register("", ReportViewSet, basename="report")

urlpatterns = router.urls
