from rest_framework import serializers


class Strict(serializers.Serializer):
    """A serializer that refuses what it cannot set: a field it does not
    take (read-only, unknown, or one this person's role may not set) is a
    400 naming the field, where DRF would quietly drop it and the caller
    would believe it saved."""

    def validate(self, attrs):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        refused = sorted(set(getattr(self, "initial_data", {}) or {}) - writable)
        if refused:
            raise serializers.ValidationError(
                {name: ["This field cannot be set here."] for name in refused}
            )
        return super().validate(attrs)
