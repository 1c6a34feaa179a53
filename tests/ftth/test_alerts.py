"""« Prévenez-moi »: double opt-in, one-click unsubscribe and erasure, e-mail after an import."""

import re
import time

import pytest
from django.core import mail

from ftth import services
from ftth.models import AlertSubscription, Building, ImportRun
from sman.celery import app

from .test_imports import IPE_HEADER, IPE_ROWS, _import, _write

pytestmark = pytest.mark.django_db


@pytest.fixture
def building(tmp_path):
    _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[1]]) + "\n"))
    return Building.objects.get(building_id="IMB/93066/2")  # in progress


def _link(body: str, kind: str) -> str:
    return re.search(rf"http://testserver(/fibre/alertes/[^/]+/{kind}/)", body).group(1)


def test_double_opt_in_then_one_click_unsubscribe(client, building, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/fibre/immeubles/{building.pk}/alerte/", {"email": "Habitant@Exemple.fr"})
    assert response.status_code == 302
    subscription = AlertSubscription.objects.get()
    assert (subscription.email, subscription.confirmed_at) == ("habitant@exemple.fr", None)
    assert {f.name for f in AlertSubscription._meta.concrete_fields} == {
        "id",
        "email",
        "building",
        "token",
        "confirmed_at",
        "created_at",
    }
    confirm = _link(mail.outbox[-1].body, "confirmer")
    assert client.get(confirm).status_code == 200  # a link preview confirms nothing
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    client.post(confirm)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    # Unsubscribing erases the row.
    client.post(f"/fibre/alertes/{subscription.token}/desinscription/")
    assert not AlertSubscription.objects.exists()


def test_invalid_email_keeps_the_page_and_says_why(client, building):
    response = client.post(f"/fibre/immeubles/{building.pk}/alerte/", {"email": "pas-une-adresse"})
    assert response.status_code == 400
    assert (
        "Cette adresse n&#x27;est pas valide." in response.content.decode()
        or "Cette adresse n'est pas valide." in response.content.decode()
    )
    assert 'value="pas-une-adresse"' in response.content.decode()


def test_erase_every_alert_of_an_address(building, tmp_path):
    other = Building.objects.create(
        operator_code="X", building_id="B2", insee_code="93066", commune=building.commune, status="target",
        location=building.location, label="x", updated_at=building.updated_at, first_status="target",
        first_seen_at=building.updated_at,
    )  # fmt: skip
    first = services.alert_subscribe(building=building, email="a@exemple.fr")
    services.alert_subscribe(building=other, email="a@exemple.fr")
    services.alert_subscribe(building=other, email="b@exemple.fr")
    assert services.alert_unsubscribe(token=first.token, everything=True) == 2
    assert list(AlertSubscription.objects.values_list("email", flat=True)) == ["b@exemple.fr"]


def test_subscribers_are_emailed_when_an_import_changes_the_status(
    building, tmp_path, django_capture_on_commit_callbacks
):
    subscription = services.alert_subscribe(building=building, email="c@exemple.fr")
    services.alert_confirm(token=subscription.token)
    services.alert_subscribe(building=building, email="unconfirmed@exemple.fr")
    mail.outbox.clear()
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    run = _import(_write(tmp_path, "ipe2.csv", "\n".join([IPE_HEADER, newer]) + "\n"))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_status_changes(run_id=run.pk) == 1
    assert [m.to for m in mail.outbox] == [["c@exemple.fr"]]
    assert "en cours de déploiement → raccordable (constaté le " in mail.outbox[0].body
    assert "/desinscription/" in mail.outbox[0].body


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_alert_after_an_import(celery_worker_process, reference, tmp_path):
    _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[1]]) + "\n"))
    building = Building.objects.get(building_id="IMB/93066/2")
    subscription = services.alert_subscribe(building=building, email="worker@exemple.fr")
    services.alert_confirm(token=subscription.token)
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    path = _write(tmp_path, "ipe2.csv", "\n".join([IPE_HEADER, newer]) + "\n")
    run = ImportRun.objects.create(file_name=path.name, operator_code="OI-TEST")
    assert app.send_task("ftth.tasks.import_file", args=[run.pk, str(path)]).get(timeout=60) == "done"
    deadline = time.monotonic() + 60
    sent = ""
    while time.monotonic() < deadline and "worker@exemple.fr" not in sent:
        sent = "".join(p.read_text() for p in celery_worker_process.mail_dir.glob("*.log"))
        time.sleep(0.5)
    assert "worker@exemple.fr" in sent and "raccordable" in sent


@pytest.mark.parametrize("kind", ["confirmer", "desinscription"])
@pytest.mark.parametrize(
    "token",
    ["abc", "x" * 43, "A" * 300, "%00", "%C3%A9t%C3%A9", "' OR 1=1 --", "..%5C..%5Cetc"],
)
def test_a_garbage_link_says_so_in_french_with_what_to_do(client, building, kind, token):
    services.alert_subscribe(building=building, email="a@exemple.fr")  # an alert exists, not this one
    for response in (client.get(f"/fibre/alertes/{token}/{kind}/"), client.post(f"/fibre/alertes/{token}/{kind}/")):
        page = response.content.decode()
        assert response.status_code == 404
        assert "Lien invalide ou expiré" in page and "Chercher une adresse" in page
        assert "<form" not in page and "Confirmer mon alerte" not in page  # anonymous: no form at all
        assert ("déjà désinscrit" in page) == (kind == "desinscription")
        assert ("demandez une nouvelle alerte" in page) == (kind == "confirmer")
    assert AlertSubscription.objects.get().confirmed_at is None


def test_the_links_of_an_alert_name_its_building_and_do_not_outlive_it(client, building):
    subscription = services.alert_subscribe(building=building, email="b@exemple.fr")
    page = client.get(f"/fibre/alertes/{subscription.token}/confirmer/").content.decode()
    assert "Confirmer mon alerte" in page and "RUE DE LA RÉPUBLIQUE, Saint-Denis" in page
    client.post(f"/fibre/alertes/{subscription.token}/confirmer/")
    # Once confirmed, the link says so, with no button.
    page = client.get(f"/fibre/alertes/{subscription.token}/confirmer/").content.decode()
    assert "est déjà confirmée" in page and "Confirmer mon alerte" not in page
    unsubscribe = f"/fibre/alertes/{subscription.token}/desinscription/"
    assert "RUE DE LA RÉPUBLIQUE, Saint-Denis" in client.get(unsubscribe).content.decode()
    assert client.post(unsubscribe).status_code == 200
    # The alert is gone: its links say the link is no longer valid rather than offering buttons.
    for url in (unsubscribe, f"/fibre/alertes/{subscription.token}/confirmer/"):
        response = client.get(url)
        assert response.status_code == 404 and "Lien invalide ou expiré" in response.content.decode()
