"""What the Explorateurs pages of every audience share."""

CRUMBS = [("Explorateurs du numérique", "/explorateurs/")]
