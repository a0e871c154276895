"""Django-level error pages: JSON envelopes under /api/, plain pages elsewhere."""
from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error

from apps.core.envelope import error_body
from apps.core.errors import CoreErrorCode


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(code=CoreErrorCode.NOT_FOUND, message="Not found"), status=404)
    return page_not_found(request, exception)


def server_error_view(request):
    if _is_api(request):
        return JsonResponse(error_body(code=CoreErrorCode.SERVER_ERROR, message="Something went wrong on our side"), status=500)
    return server_error(request)


def bad_request(request, exception=None):
    return JsonResponse(error_body(code=CoreErrorCode.BAD_REQUEST, message="Bad request"), status=400)


def permission_denied(request, exception=None):
    return JsonResponse(error_body(code=CoreErrorCode.PERMISSION_DENIED, message="You are not allowed to do this"), status=403)
