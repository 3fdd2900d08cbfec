from rest_framework.generics import GenericAPIView


class Scoped(GenericAPIView):
    """A view whose objects are its ``queryset`` narrowed by the model's
    ``visible_to(user)``: the same scope as the web's lists and pages, so an
    object outside it is a 404 and never in a list or a count. Put it first
    among a view's bases (``class AreaViewSet(Scoped, ReadOnlyModelViewSet)``)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class FilteredLists(GenericAPIView):
    """A viewset whose query-string filters narrow its list only. DRF runs
    the filters on every action, so a filter's default (the open requests
    only, say) would make a closed one a 404 on its own page and refuse
    every step from it as if it were not there. Put it beside Scoped."""

    def filter_queryset(self, queryset):
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)
