from django import forms

from evaluation.models import OutcomeRecord, quarter_label
from evaluation.outcomes import seen_mark

HELP = {
    "residents_involved": "Residents who took part in the group's work this quarter: at meetings, "
    "in its groups, volunteering.",
    "volunteers": "Residents who gave their time unpaid.",
    "leaders": "Residents who chair, run or organise something: a group, a project, a meeting.",
    "new_groups": "Groups or organisations that started in the area.",
    "spaces_in_use": "Halls, rooms, gardens or buildings the community uses now.",
    "spaces_owned": "Of those, the ones the community owns or runs (an asset transfer, a lease).",
    "leaders_trained": "Residents who finished training to lead: a course, a mentoring scheme.",
    "narrative": "What changed and what helped, in a few sentences. Please write no names: "
    "say 'a resident' or 'the chair'.",
}
BASELINE_HELP = {
    "residents_involved": "Residents taking part in community activity when the area joined.",
    "new_groups": "Groups or organisations active in the area when it joined.",
    "leaders_trained": "Residents already trained to lead when the area joined.",
    "narrative": "Where the community starts from, in a few sentences. Please write no names: "
    "say 'a resident' or 'the chair'.",
}


class OutcomeRecordForm(forms.ModelForm):
    """A quarter's (or the baseline's) counts, plans and narrative: a few
    minutes with the local group. The portal's own figures are never asked."""

    # The record as the person saw it ("" for none yet): a save on top of
    # someone else's newer one is refused rather than silently undoing it.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OutcomeRecord
        fields = [*OutcomeRecord.COUNTS, *OutcomeRecord.PLANS, "narrative"]
        widgets = {"narrative": forms.Textarea(attrs={"rows": 5})}

    def __init__(
        self, *args, baseline: bool = False, before: OutcomeRecord | None = None, **kwargs
    ):
        """``before``: the area's record before this one, whose counts are
        shown beside each field to start from."""
        super().__init__(*args, **kwargs)
        self.fields["seen"].initial = seen_mark(self.instance)
        help_text = {**HELP, **BASELINE_HELP} if baseline else HELP
        for name in OutcomeRecord.COUNTS:
            field = self.fields[name]
            field.help_text = help_text[name]
            if before is not None:
                field.help_text += f" {_when(before)}: {getattr(before, name)}."
            field.widget.attrs.update({"inputmode": "numeric", "class": "input-number"})
            field.error_messages.update(
                {
                    "required": "Enter a number (0 if none).",
                    "invalid": "Enter a whole number, like 12.",
                    "min_value": "Enter 0 or more.",
                    "max_value": "Enter 100,000 or fewer: check for an extra nought.",
                }
            )
        self.fields["narrative"].help_text = help_text["narrative"]
        self.fields["narrative"].error_messages["max_length"] = (
            "Keep it to 2,000 characters or fewer (it has %(show_value)d)."
        )
        for name in OutcomeRecord.PLANS:
            plan = self.fields[name]
            plan.label = f"The area has {OutcomeRecord._meta.get_field(name).verbose_name}"
            plan.label_suffix = ""

    @property
    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields or []}


def _when(record: OutcomeRecord) -> str:
    if record.kind == OutcomeRecord.Kind.BASELINE:
        return "At the baseline"
    return f"In {quarter_label(record.quarter)}"
