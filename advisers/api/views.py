from rest_framework.response import Response
from rest_framework.views import APIView

from advisers.navigation import destinations_for
from advisers.permissions import permissions_of


class MeView(APIView):
    """Who the signed-in person is, their role, and what they may do."""

    required_perm = "portal.use"

    def get(self, request):
        user = request.user
        return Response(
            {
                "email": user.email,
                "full_name": user.full_name,
                "role": user.role,
                "permissions": permissions_of(user),
                "destinations": [{"label": d.label, "url": d.url} for d in destinations_for(user)],
            }
        )
