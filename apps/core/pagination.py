import math

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class EnvelopePagination(PageNumberPagination):
    """`?page=&page_size=` (max 100); the counts travel in the envelope's `pagination`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data):
        count = self.page.paginator.count
        size = self.page.paginator.per_page
        response = Response(data)
        response.envelope_pagination = {
            "page": self.page.number,
            "page_size": size,
            "total_count": count,
            "total_pages": max(1, math.ceil(count / size)) if size else 1,
        }
        return response

    def get_paginated_response_schema(self, schema):
        return schema  # the envelope wrapper in apps.core.schema adds `pagination`
