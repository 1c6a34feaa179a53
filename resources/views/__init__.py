"""Pages of the resource centre, by audience: public (read, search, suggest, mark as used), space (contributors),
staff (moderation, usage figures, annual review)."""
