def space_panel(request):
    return None


def territory_panel(territory):
    return None
