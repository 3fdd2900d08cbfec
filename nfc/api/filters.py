from rest_framework.filters import OrderingFilter, SearchFilter


class AllowlistOrdering(OrderingFilter):
    """``?ordering=`` on the fields a view names in ``ordering_fields`` and
    nothing else: DRF's own default would accept any field of the
    serializer. A view without the list cannot be ordered."""

    def get_valid_fields(self, queryset, view, context=None):
        if getattr(view, "ordering_fields", None) in (None, "__all__"):
            return []
        return super().get_valid_fields(queryset, view, context or {})

    def get_ordering(self, request, queryset, view):
        """The ordering asked for (or the view's own), ending on the primary
        key: rows that tie on a date or a name come in one fixed order, so
        that no page repeats or skips one (a cursor's above all)."""
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if ordering and ordering[-1].lstrip("-") not in ("pk", "id"):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering


class Search(SearchFilter):
    """``?search=`` over the fields a view names in ``search_fields`` (those
    the web's own search reads). Ten words at most: each word is one more
    condition on every field, and a longer search only costs the database."""

    def get_search_terms(self, request):
        return super().get_search_terms(request)[:10]
