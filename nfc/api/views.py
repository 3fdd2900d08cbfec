from rest_framework.generics import GenericAPIView


class Scoped(GenericAPIView):
    """A view whose objects are its ``queryset`` narrowed by the model's
    ``visible_to(user)``: the same scope as the web's lists and pages, so an
    object outside it is a 404 and never in a list or a count. Put it first
    among a view's bases (``class AreaViewSet(Scoped, ReadOnlyModelViewSet)``)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)
