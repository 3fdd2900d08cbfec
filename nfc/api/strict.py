from rest_framework import serializers

NOT_YOURS_TO_SET = "This field cannot be set here."


class Strict(serializers.Serializer):
    """A serializer that refuses what it cannot set: a field it does not
    take (read-only, unknown, or one this person's role may not set) is a
    400 naming the field, where DRF would quietly drop it and the caller
    would believe it saved. Checked with the fields, so a serializer's own
    validate() need not call it."""

    def to_internal_value(self, data):
        refused = {}
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = {name: [NOT_YOURS_TO_SET] for name in sorted(set(data) - writable)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            # Every mistake at once: what cannot be set, and what is wrong.
            if refused and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **refused}) from error
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value
