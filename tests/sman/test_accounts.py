import re

import pytest
from django.core import mail
from django.urls import reverse

from sman.models import User

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "une-phrase-de-passe-solide"


def test_signup_requires_email_verification(client):
    response = client.post(
        reverse("account_signup"), {"email": "Agente@Exemple.fr", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="agente@exemple.fr")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["agente@exemple.fr"]
    assert message.subject.startswith("[Métropole d'intelligences]")
    # Until the address is confirmed, signing in leads to the verification page, not the portal.
    client.logout()
    login = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert login["Location"] == reverse("account_email_verification_sent")
    assert client.get("/espace/").status_code == 302
    link = re.search(r"https?://testserver(/comptes/confirm-email/[^\s]+)", message.body).group(1)
    client.post(link)
    assert user.emailaddress_set.get().verified
    assert client.get("/espace/").status_code == 200


def test_signup_form_is_french_and_keeps_the_email(client):
    response = client.post(
        reverse("account_signup"), {"email": "agent@exemple.fr", "password1": "court", "password2": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert 'value="agent@exemple.fr"' in html
    assert "mot de passe" in html.lower()


def test_repeated_failed_logins_are_locked_out(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
        assert response.status_code == 200
    locked = client.post(reverse("account_login"), {"login": user.email, "password": "mot-de-passe-de-test"})
    assert locked.status_code in (200, 429)
    assert "_auth_user_id" not in client.session  # even the right password is refused for now


def test_password_reset_sends_a_french_email(client):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert "mot de passe" in (mail.outbox[0].subject + mail.outbox[0].body).lower()
