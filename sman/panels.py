"""What each module shows on a commune's or a territory's page: apps register a panel function in their
AppConfig.ready(); it returns None (nothing to show) or (template name, context)."""

panels: list = []


def register_territory_panel(func) -> None:
    if func not in panels:
        panels.append(func)


def territory_panels(territory) -> list[tuple[str, dict]]:
    return [panel for panel in (func(territory) for func in panels) if panel is not None]
