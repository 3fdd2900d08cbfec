from rest_framework.pagination import CursorPagination, PageNumberPagination

PAGE_SIZE = 50
LARGEST_PAGE = 200


class Pages(PageNumberPagination):
    """Numbered pages of 50 (``?page=2``; ``?page_size=`` up to 200), with
    the total: for lists that stay small (areas, staff, partners, events)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = LARGEST_PAGE


class Cursor(CursorPagination):
    """A cursor (``?cursor=``) for the lists that grow without end
    (interactions, time records, requests): no count, no OFFSET, so the
    thousandth page is as quick as the first and a page never repeats or
    skips a row when new ones arrive. Newest first unless the view's
    allowlisted ordering says otherwise."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = LARGEST_PAGE
    ordering = ("-created_at", "-pk")
