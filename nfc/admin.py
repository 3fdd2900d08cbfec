"""Webhooks on the admin site: administrators register them, read every
delivery's log and send a delivery again."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from nfc.models import Webhook, WebhookDelivery
from nfc.webhooks import webhook_redeliver


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text=Webhook._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the receiver is told about.",
        error_messages={"required": "Choose at least one event."},
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "events_chosen", "active", "created_at", "deliveries_link"]
    list_filter = ["active"]
    search_fields = ["name", "url"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "url", "events", "active"]
        return ["name", "url", "events", "active", "signing_secret", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["signing_secret", "created_by", "created_at"]

    @admin.display(description="signing secret")
    def signing_secret(self, obj):
        return format_html(
            "<code>{}</code><br><span class='help'>Give it to the receiver's owners: "
            "they check each delivery's X-NfC-Signature with it (see the README, "
            "Webhooks). Keep it as secret as a password.</span>",
            obj.secret,
        )

    @admin.display(description="events")
    def events_chosen(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="deliveries")
    def deliveries_link(self, obj):
        url = reverse("admin:nfc_webhookdelivery_changelist") + f"?webhook__id__exact={obj.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is what the receiver needs next: show it straight away.
        self.message_user(
            request,
            f"Registered {obj}. Its signing secret is on this page: give it to the receiver.",
        )
        return redirect("admin:nfc_webhook_change", obj.pk)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, with "Redeliver"."""

    list_display = [
        "created_at",
        "webhook",
        "event",
        "status",
        "tries",
        "last_status_code",
        "last_tried_at",
        "next_try_at",
    ]
    list_filter = ["status", "event", "webhook"]
    list_select_related = ["webhook"]
    fields = (
        "webhook",
        "event",
        "status",
        "created_at",
        "last_tried_at",
        "next_try_at",
        "delivered_at",
        "body",
        "tries_log",
    )
    readonly_fields = fields
    actions = ["redeliver"]
    change_form_template = "admin/nfc/webhookdelivery/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="tries")
    def tries(self, obj):
        return len(obj.attempts)

    @admin.display(description="what was sent")
    def body(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    @admin.display(description="each try")
    def tries_log(self, obj):
        if not obj.attempts:
            return "Not tried yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} ms</td><td><code>{}</code></td></tr>",
            (
                (
                    attempt["at"],
                    attempt["status_code"] or "no answer",
                    attempt["took_ms"],
                    attempt["answer"],
                )
                for attempt in obj.attempts
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Answer</th><th>Took</th>"
            "<th>Start of the answer</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.action(description="Redeliver the chosen deliveries")
    def redeliver(self, request, queryset):
        for delivery in queryset:
            webhook_redeliver(delivery=delivery)
        self.message_user(request, f"Sending again: {queryset.count()}.")

    def get_urls(self):
        return [
            path(
                "<int:pk>/redeliver/",
                self.admin_site.admin_view(require_POST(self.redeliver_view)),
                name="nfc_webhookdelivery_redeliver",
            ),
            *super().get_urls(),
        ]

    def redeliver_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        webhook_redeliver(delivery=delivery)
        messages.success(
            request, f"Sending {delivery.event} to {delivery.webhook} again; its tries show here."
        )
        return redirect("admin:nfc_webhookdelivery_change", delivery.pk)
