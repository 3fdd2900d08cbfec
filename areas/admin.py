from django.contrib import admin

from areas.models import AreaType


@admin.register(AreaType)
class AreaTypeAdmin(admin.ModelAdmin):
    """The kinds of place staff choose from (coastal, outer estate...).

    Only the list of types is kept here: areas themselves are edited on the
    staff pages, where their rules and scope apply.
    """

    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
