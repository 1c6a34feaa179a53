"""Demo data: the demo « évaluateur » finds a prize's entries waiting for their scores, the contest of the
resource centre shows its winners."""

import pytest
from django.test import RequestFactory

from contests import demo, panels, selectors
from contests.models import Contest, Entry
from sman import demo as sman_demo
from sman.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_data_loads_once_and_leaves_work_waiting(reference):
    sman_demo.load_demo()  # every module's demo, this one's last (it reads the solutions and resources)
    users = {a.role: User.objects.get(email=a.email) for a in sman_demo.ACCOUNTS}
    demo.load_demo(users)  # idempotent
    assert Contest.objects.count() == 3
    judging = Contest.objects.get(status=Contest.Status.JUDGING)
    assert judging.entries.active().count() == 2 and not judging.accepts_entries
    assert Contest.objects.get(status=Contest.Status.OPEN).accepts_entries
    published = Contest.objects.get(status=Contest.Status.PUBLISHED)
    assert selectors.winners(published).count() == 2
    assert Entry.objects.filter(contest=published).count() == 3
    request = RequestFactory().get("/")
    request.user = users["reviewer"]
    assert [t.label for t in panels.space_panel(request).todos] == [f"2 candidatures à noter ({judging.title})"]
