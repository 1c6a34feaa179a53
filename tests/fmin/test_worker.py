"""The FMIN's Celery tasks in a real worker process: the decision letter and the late-report reminders."""

import io
import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from fmin import services
from fmin.models import Decision, FollowUpReport
from sman.celery import app

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_writes_the_letter_and_reminds_late_reports(celery_worker_process, fm):
    application = fm.eligible(title="Capteurs dans les écoles")
    decision = services.decision_record(
        application=application,
        user=fm.staff,
        outcome="funded",
        amount_cents=3_000_000,
        reason="Projet utile et bien évalué.",
    )
    Decision.objects.filter(pk=decision.pk).update(letter="")  # the worker writes it again, on its own
    name = app.send_task("fmin.tasks.render_decision_letter", args=[decision.pk]).get(timeout=120)
    decision.refresh_from_db()
    assert decision.letter.name == name
    with default_storage.open(name) as f:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages).split())
    assert "Capteurs dans les écoles" in text and "Projet utile et bien évalué." in text

    FollowUpReport.objects.filter(application=application, kind="progress").update(
        due_on=timezone.localdate() - timedelta(days=10)
    )
    assert app.send_task("fmin.tasks.remind_late_reports").get(timeout=60) == 1
    deadline = time.monotonic() + 60
    sent = ""
    while time.monotonic() < deadline and "jours de retard" not in sent:
        sent = "".join(p.read_text() for p in celery_worker_process.mail_dir.glob("*.log"))
        time.sleep(0.5)
    assert fm.lead_agent.email in sent and "10 jours de retard" in sent
