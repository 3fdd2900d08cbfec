from functools import partial

from advisers.navigation import destinations_for, menu_lines


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    destinations = destinations_for(user)
    # A callable: drawn only by a page that shows the menu (base.html).
    return {"destinations": destinations, "menu": partial(menu_lines, destinations, request.path)}
