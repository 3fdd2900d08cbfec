from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.utils import timezone

from advisers import services, tokens
from advisers.models import ApiToken, User
from nfc.text import without_direction_controls


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Staff accounts. Adding one sends the person an invitation e-mail.

    Every save and delete goes through advisers.services, as the staff pages'
    do, so it is recorded in the audit history with who made it (a model
    signal would not know who) and follows the same rules.
    """

    list_display = ["full_name", "email", "role", "is_active", "invitation_sent_at", "last_login"]
    list_filter = ["role", "region", "is_active"]
    search_fields = ["full_name", "email"]
    ordering = ["full_name"]
    fields = ["full_name", "email", "role", "region", "is_active"]
    readonly_fields = ["invitation_sent_at", "last_login", "date_joined"]
    actions = ["resend_invitation"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["full_name", "email", "role", "region"]
        return [*self.fields, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            released = services.staff_account_save(
                user=obj, changed=form.changed_data, by=request.user
            )
            if released:
                messages.warning(
                    request,
                    f"{obj} no longer works in {released} area{'s' if released != 1 else ''}: "
                    "name someone new for them from each area's page.",
                )
            if "role" in form.changed_data:
                messages.info(
                    request,
                    f"The time {obj} recorded so far still counts under the role they had "
                    f"when they gave it; from now on it counts under their new role, "
                    f"{obj.get_role_display().lower()}.",
                )
        else:
            services.staff_invite(user=obj, by=request.user)
            messages.info(request, f"An invitation to set a password is on its way to {obj.email}.")

    def delete_model(self, request, obj):
        services.staff_account_delete(user=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.staff_account_delete(user=user, by=request.user)

    @admin.action(description="Send the invitation e-mail again")
    def resend_invitation(self, request, queryset):
        sent = sum(services.staff_invitation_resend(user=user) for user in queryset)
        skipped = queryset.count() - sent
        self.message_user(request, f"Invitations sent again: {sent}.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} not sent: they have already set a password or are closed.",
                level=messages.WARNING,
            )


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Two-factor devices. An administrator can remove a lost one (the person
    then sets up a new one at their next sign-in); nobody can read a secret."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__full_name", "user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.authenticator_remove(authenticator=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset:
            services.authenticator_remove(authenticator=authenticator, by=request.user)


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("works", "Works"), ("ended", "Ended"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "works":
            return queryset.in_force(now)
        if self.value() == "ended":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Everyone's API tokens, to see and to revoke. Only their owners make
    them (on their account page, where each is shown once); nothing here
    shows or changes a token, and revoking keeps the record of it."""

    list_display = [
        "token_name",
        "user",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [TokenStateFilter, "scope", "user__role"]
    search_fields = ["name", "prefix", "user__full_name", "user__email"]
    list_select_related = ["user"]
    fields = [
        "user",
        "token_name",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="name", ordering="name")
    def token_name(self, obj):
        # As the account page shows it (bidi_safe): a direction override
        # in a name would turn round what follows it on the line.
        return without_direction_controls(obj.name)

    @admin.action(description="Revoke the chosen tokens")
    def revoke(self, request, queryset):
        stopped = sum(tokens.api_token_revoke(token=token, by=request.user) for token in queryset)
        self.message_user(request, f"Tokens revoked: {stopped}.")
