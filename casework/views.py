from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from advisers.permissions import permission_required
from casework import services
from casework.selectors import signposting_text


class SignpostingForm(forms.Form):
    text = forms.CharField(
        label="Who else can help",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "Shown, and e-mailed, to people who ask for help from outside our areas. "
            "Use plain words."
        ),
    )


@permission_required("signposting.edit")
def signposting_edit(request):
    form = SignpostingForm(request.POST or None, initial={"text": signposting_text()})
    if request.method == "POST" and form.is_valid():
        services.signposting_update(text=form.cleaned_data["text"], by=request.user)
        messages.success(request, "Saved. People outside our areas now see the new words.")
        return redirect("casework:signposting")
    return render(request, "casework/signposting_form.html", {"form": form})
