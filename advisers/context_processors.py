from advisers.navigation import destinations_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"destinations": destinations_for(user)}
