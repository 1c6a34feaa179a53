"""What the pages of every audience share."""

CRUMBS = [("Accompagnement", "/accompagnement/")]
REQUEST_CRUMBS = [*CRUMBS, ("Demandes d'accompagnement", "/accompagnement/demandes/")]
