"""``{% experimented_solutions project %}``: on an FMIN funded project's page, the solutions of Grand Paris Métropole
Tech it experiments (« Solution expérimentée »), with a link to remove each for the project's lead collectivity.
fmin's template loads this library: fmin never imports the marketplace's models (the dependency stays
marketplace → fmin)."""

from django import template

from .. import permissions, selectors

register = template.Library()


@register.inclusion_tag("marketplace/_project_solutions.html", takes_context=True)
def experimented_solutions(context, project, heading_level: int = 2) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    links = list(selectors.solutions_experimented_by(project)) if project.pk else []
    can_unlink = bool(links) and user is not None and project.lead_id in permissions.buyer_ids_of(user)
    return {"links": links, "can_unlink": can_unlink, "heading": f"h{min(max(heading_level, 2), 4)}"}
