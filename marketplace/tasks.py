from celery import shared_task
from django.utils import timezone

from . import services
from .models import Need


@shared_task
def match_need(need_id: int) -> int:
    """Ranks the solutions for a newly published need and notifies the matched members (idempotent: the
    ranking is replaced, each member is notified once)."""
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        return 0
    return len(services.need_match(need=need))


@shared_task
def ask_follow_ups() -> int:
    return services.follow_ups_ask(today=timezone.localdate())


@shared_task
def refresh_lexeme_stats() -> int:
    return services.lexeme_stats_refresh()
