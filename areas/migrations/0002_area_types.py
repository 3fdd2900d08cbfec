from django.db import migrations

# The kinds of place the report names; staff can add more in the admin.
AREA_TYPES = [
    ("coastal", "Coastal"),
    ("outer-estate", "Outer estate"),
    ("post-industrial-town", "Post-industrial town"),
    ("inner-city", "Inner city"),
    ("former-coalfield", "Former coalfield"),
    ("rural", "Rural"),
    ("new-town", "New town"),
]


def add_types(apps, schema_editor):
    AreaType = apps.get_model("areas", "AreaType")
    for slug, name in AREA_TYPES:
        AreaType.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]

    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
