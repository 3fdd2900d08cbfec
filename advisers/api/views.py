from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from advisers.navigation import destinations_for
from advisers.permissions import permissions_of


class DestinationSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())
    destinations = DestinationSerializer(many=True)


class MeView(APIView):
    """Who the signed-in person is, their role, and what they may do."""

    required_perm = "portal.use"

    @extend_schema(responses=MeSerializer)
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
