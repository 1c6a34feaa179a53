"""What the passnumerique pages of every audience share."""

CRUMBS = [("Pass Numérique", "/pass-numerique/")]
