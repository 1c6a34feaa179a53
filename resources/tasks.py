from celery import shared_task

from sman.jobs import job_task

from . import review, services


@job_task("resources.AnnualReview")
def produce_annual_review(review_id: int) -> str:
    """The annual review's PDF, published as a resource (its file's name)."""
    return review.annual_review_produce(job_id=review_id)


@shared_task
def saved_search_alerts() -> int:
    """New published resources matching each saved search go to their owners' digest."""
    return services.saved_search_alerts()


@shared_task
def warm_facets() -> None:
    """The whole centre's facet counts, computed after a publication (sent by ``selectors.facets_changed``)."""
    from . import selectors

    selectors.facets(selectors.SearchParams())
