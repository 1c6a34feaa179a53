"""Platform-wide roles in templates. ``{% load roles %}``, then ``{% if user|has_role:"fmin.reviewer" %}``."""

from django import template

from sman import permissions

register = template.Library()


@register.filter
def has_role(user, key: str) -> bool:
    """Whether ``user`` holds the role ``key`` (sman/roles.py), from the request's cache: no query after the first."""
    return permissions.has_role(user, key)
