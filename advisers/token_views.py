"""A person's own API tokens: list them, make one (shown once), revoke one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from advisers import tokens
from advisers.forms import ApiTokenForm
from advisers.models import ApiToken
from advisers.permissions import permission_required

TWO_FACTOR_FIRST = "Set up two-factor authentication before making an API token."
# Where a token just made waits for the page that shows it, once.
JUST_MADE = "nfc_api_token_just_made"


def _page(request, form):
    return render(
        request,
        "advisers/api_tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user).select_related("revoked_by"),
            "may_make": tokens.may_make_token(request.user),
            "two_factor_first": TWO_FACTOR_FIRST,
        },
    )


@permission_required("portal.use")
def api_tokens(request):
    """The person's tokens, and the form that makes one. A token made waits
    in the session only until the next page shows it, once (so reloading
    that page makes no second token): never in an address, on a page no
    browser stores (every staff page is no-store)."""
    if request.method != "POST":
        return _page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not tokens.may_make_token(request.user):
        form.add_error(None, TWO_FACTOR_FIRST)
        return _page(request, form)
    if form.is_valid():
        try:
            token, raw = tokens.api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[JUST_MADE] = {"pk": token.pk, "raw": raw}
            return redirect("advisers:api_token_made")
    return _page(request, form)


@require_safe
@permission_required("portal.use")
def api_token_made(request):
    """The token just made, shown this once and then forgotten."""
    just_made = request.session.pop(JUST_MADE, None)
    token = just_made and ApiToken.objects.filter(user=request.user, pk=just_made["pk"]).first()
    if not token:
        messages.info(
            request,
            "A token is shown only once, when it is made. If you did not keep it, "
            "revoke it and make another.",
        )
        return redirect("advisers:api_tokens")
    return render(
        request, "advisers/api_token_made.html", {"token": token, "raw": just_made["raw"]}
    )


@permission_required("portal.use")
def api_token_revoke(request, pk):
    """Ask, then revoke one of the person's own tokens (another's is a 404)."""
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    if request.method == "POST":
        if tokens.api_token_revoke(token=token, by=request.user):
            messages.success(request, f"Revoked {token}: it no longer opens the API.")
        else:
            messages.info(request, f"{token} had already stopped working.")
        return redirect("advisers:api_tokens")
    return render(request, "advisers/api_token_revoke.html", {"token": token})
