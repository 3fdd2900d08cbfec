"""The casework endpoints: residents' requests, interactions, follow-up
actions, referrals and partners.

Each does what the web's page does (casework.views, casework.referral_views):
it fetches within the person's scope (``visible_to``; 404 outside it), asks
the same permissions and helpers, and calls the same service, so caps,
transitions, messages and the audit history are the same.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from advisers.permissions import may_change_action, may_correct_interaction
from casework import audit, interactions, referrals, services
from casework.api import filters
from casework.api.serializers import (
    ActionChangeSerializer,
    ActionSerializer,
    AssignSerializer,
    InteractionCorrectionSerializer,
    InteractionSerializer,
    MoveSerializer,
    PartnerSerializer,
    ReferralOutcomeSerializer,
    ReferralSerializer,
    ReferralStepSerializer,
    SupportRequestDetailSerializer,
    SupportRequestSerializer,
)
from casework.models import Action, AuditEntry, Interaction, Partner, Referral, SupportRequest
from nfc.api.filters import AllowlistOrdering
from nfc.api.pagination import Cursor
from nfc.api.views import FilteredLists, Scoped

FILTERS = [DjangoFilterBackend, filters.CaseworkSearch, AllowlistOrdering]


def _as_field_errors(error: DjangoValidationError, field: str) -> serializers.ValidationError:
    """A service's refusal, under the field the web's form shows it by."""
    return serializers.ValidationError({field: error.messages})


@extend_schema_view(
    list=extend_schema(summary="Residents' requests (open ones unless ?status= says)"),
    retrieve=extend_schema(
        summary="One request: how to reach the resident, its steps and their messages"
    ),
)
class SupportRequestViewSet(
    Scoped,
    FilteredLists,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Residents' requests, by reference: as the web's request list and page."""

    queryset = SupportRequest.objects.select_related("area", "assigned_to")
    required_perm = "casework.view"
    # Each change asks its own (the web's): set on move and assign below.
    required_perm_to_change: str | None = None
    lookup_field = "reference"
    pagination_class = Cursor
    filter_backends = FILTERS
    filterset_class = filters.RequestFilter
    search_kind = "requests"
    ordering = ("-created_at", "-pk")
    ordering_fields = ["created_at"]

    def get_serializer_class(self):
        if self.action == "list":
            return SupportRequestSerializer
        if self.action == "move":
            return MoveSerializer
        if self.action == "assign":
            return AssignSerializer
        return SupportRequestDetailSerializer

    def get_queryset(self):
        requests = super().get_queryset()
        if self.action != "list":
            requests = requests.prefetch_related("status_changes__changed_by", "resident_messages")
        return requests

    def retrieve(self, request, *args, **kwargs):
        support_request = self.get_object()
        data = SupportRequestDetailSerializer(support_request, context={"request": request}).data
        # As the web's page, who looked is kept. A resident's messages stay
        # new, though: a script reading them is not the adviser having read
        # them, and the web's "New" must still tell the adviser.
        audit.looked_at(obj=support_request, by=request.user, action=AuditEntry.Action.VIEWED)
        return Response(data)

    def _answer(self, support_request, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=support_request.pk)
        return Response(
            SupportRequestDetailSerializer(fresh, context={"request": self.request}).data,
            status=code,
        )

    @extend_schema(request=MoveSerializer, responses=SupportRequestDetailSerializer)
    @action(detail=True, methods=["post"], required_perm_to_change="casework.change")
    def move(self, request, reference=None):
        """Move the request to one of its next statuses (its `next_statuses`)."""
        support_request = self.get_object()
        form = MoveSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            services.support_request_move(
                support_request=support_request, by=request.user, **form.validated_data
            )
        except DjangoValidationError as error:
            raise _as_field_errors(error, "to_status") from error
        return self._answer(support_request)

    @extend_schema(request=AssignSerializer, responses=SupportRequestDetailSerializer)
    @action(detail=True, methods=["post"], required_perm_to_change="casework.triage")
    def assign(self, request, reference=None):
        """Give the request to an adviser or community worker (triage)."""
        support_request = self.get_object()
        form = AssignSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            services.support_request_assign(
                support_request=support_request, by=request.user, **form.validated_data
            )
        except DjangoValidationError as error:
            raise _as_field_errors(error, "to") from error
        return self._answer(support_request)


@extend_schema_view(
    partial_update=extend_schema(
        request=InteractionCorrectionSerializer,
        summary="Correct an interaction you logged, within the days allowed",
    ),
    destroy=extend_schema(summary="Remove an interaction you logged, within the days allowed"),
)
class InteractionViewSet(
    Scoped,
    FilteredLists,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Interactions in the areas a person sees casework in, newest logged
    first; logging one counts its time (``count_time``) as the web's form does."""

    queryset = Interaction.objects.select_related("area", "logged_by", "support_request")
    serializer_class = InteractionSerializer
    required_perm = "casework.view"
    required_perm_to_change = "casework.log"
    pagination_class = Cursor
    filter_backends = FILTERS
    filterset_class = filters.InteractionFilter
    search_kind = "interactions"
    # The primary key's index: newest logged first, quick on years of them.
    ordering = ("-pk",)

    def get_queryset(self):
        if self.request.query_params.get(filters.CaseworkSearch.search_param):
            # As the search page reads them: the person's areas named as a
            # list, so PostgreSQL combines the area index with the words'
            # index (InteractionQuerySet.visible_to).
            return self.queryset.all().visible_to(self.request.user, areas_listed=True)
        return super().get_queryset()

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        serializer.instance = interactions.interaction_log_with_time(
            by=self.request.user,
            support_request=fields.pop("support_request", None),
            count_time=fields.pop("count_time", False),
            **fields,
        )

    def _to_correct(self) -> Interaction:
        """The interaction its author may still correct: someone else's is
        not there (404), as on the web; one past its days is refused, saying so."""
        interaction = self.get_object()
        if not may_correct_interaction(self.request.user, interaction):
            if interaction.logged_by_id != self.request.user.pk:
                raise Http404
            raise PermissionDenied(
                f"{interaction} can no longer be corrected: interactions can be corrected for "
                f"{settings.NFC_INTERACTION_CORRECTION_DAYS} days after they are logged. "
                "Nothing was changed."
            )
        return interaction

    def partial_update(self, request, *args, **kwargs):
        interaction = self._to_correct()
        form = InteractionCorrectionSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        sent = dict(form.validated_data)
        count_time = sent.pop("count_time", interaction.time_record_id is not None)
        # What is not sent stays as it is: the web's form sends every field.
        fields = {name: getattr(interaction, name) for name in Interaction.CORRECTABLE}
        fields.update(sent)
        InteractionCorrectionSerializer.check_residents(fields)
        interactions.interaction_correct(
            interaction=interaction, by=request.user, count_time=count_time, **fields
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=interaction.pk)).data)

    def destroy(self, request, *args, **kwargs):
        interactions.interaction_remove(interaction=self._to_correct(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    partial_update=extend_schema(
        request=ActionChangeSerializer, summary="Reword, hand on or reschedule an open action"
    ),
)
class ActionViewSet(
    Scoped,
    FilteredLists,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Follow-up actions: those of the areas a person sees casework in, and
    their own wherever they are."""

    queryset = Action.objects.select_related("area", "owner", "support_request")
    serializer_class = ActionSerializer
    # "casework.view" to read, not the web's "casework.log" (held by the same
    # roles): the object check reads an area-scoped permission's object as
    # an area, and an action's owner keeps it wherever it is (visible_to).
    required_perm = "casework.view"
    required_perm_to_change = "casework.log"
    filter_backends = FILTERS
    filterset_class = filters.ActionFilter
    search_kind = "actions"
    ordering = ("due_on", "pk")
    ordering_fields = ["due_on", "created_at"]

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        serializer.instance = services.action_add(
            by=self.request.user, support_request=fields.pop("support_request", None), **fields
        )

    def _to_change(self) -> Action:
        action = self.get_object()
        # Seen but not theirs to change (another person's, for an adviser)
        # answers as if not there, as on the web.
        if not may_change_action(self.request.user, action):
            raise Http404
        return action

    def partial_update(self, request, *args, **kwargs):
        action = self._to_change()
        form = ActionChangeSerializer(
            data=request.data, context={"request": request, "action": action}
        )
        form.is_valid(raise_exception=True)
        try:
            services.action_change(action=action, by=request.user, **form.validated_data)
        except services.ActionChangedMeanwhile:
            # The web's words ("your changes are still below") mean nothing
            # to a script: it reads the action again and decides.
            raise serializers.ValidationError(
                {
                    "seen": [
                        "Someone changed this action since you read it: nothing was saved. "
                        "Read it again, and send its new fingerprint as seen."
                    ]
                }
            ) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=action.pk)).data)

    @extend_schema(request=None, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Mark the action done (already done: as it is)."""
        action = self._to_change()
        services.action_done(action=action, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=action.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Referrals to partners (open ones unless ?status= says)"),
)
class ReferralViewSet(
    Scoped,
    FilteredLists,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals of the areas a person sees to specialist partners."""

    queryset = Referral.objects.select_related("area", "partner", "support_request")
    serializer_class = ReferralSerializer
    required_perm = "casework.view"
    required_perm_to_change = "referrals.make"
    filter_backends = FILTERS
    filterset_class = filters.ReferralFilter
    search_kind = "referrals"
    ordering = ("-requested_on", "-pk")
    ordering_fields = ["requested_on"]

    def perform_create(self, serializer):
        serializer.instance = referrals.referral_request(
            by=self.request.user, **serializer.validated_data
        )

    def _answer(self, referral):
        return Response(self.get_serializer(self.get_queryset().get(pk=referral.pk)).data)

    @extend_schema(request=ReferralStepSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Take the referral to its next step (its `next_statuses`)."""
        referral = self.get_object()
        form = ReferralStepSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        return self._answer(
            referrals.referral_move(referral=referral, by=request.user, **form.validated_data)
        )

    @extend_schema(request=ReferralOutcomeSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """Close the loop: what came of the delivered work, and the group's rating."""
        referral = self.get_object()
        form = ReferralOutcomeSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        return self._answer(
            referrals.referral_record_outcome(
                referral=referral, by=request.user, **form.validated_data
            )
        )


class PartnerViewSet(
    FilteredLists,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The specialist partners, with the days they have left this year
    (every partner, as the web's list: they belong to no area)."""

    queryset = Partner.objects.with_capacity().order_by("-is_active", "name")
    serializer_class = PartnerSerializer
    required_perm = "casework.view"
    required_perm_to_change = "partners.manage"
    filter_backends = [AllowlistOrdering]

    def perform_create(self, serializer):
        serializer.instance = referrals.partner_add(
            by=self.request.user, **serializer.validated_data
        )

    @extend_schema(summary="Change a partner's details, expertise or capacity")
    def partial_update(self, request, *args, **kwargs):
        partner = self.get_object()
        form = self.get_serializer(partner, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        referrals.partner_change(partner=partner, by=request.user, **form.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=partner.pk)).data)
