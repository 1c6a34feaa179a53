"""Surveys: typed questions, one response per person, the answers for the space's administrators only."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from participation.models import Question, Survey, SurveyResponse

from ..auth import login
from ..factories import UserFactory
from ..matrix import Case, check, matrix_params
from .conftest import PART_ROLES

pytestmark = pytest.mark.django_db
P = "participation:"


def make_survey(process) -> Survey:
    survey = Survey.objects.create(process=process, title="Vos usages du numérique")
    Question.objects.create(survey=survey, position=1, text="Votre quartier", kind="short_text")
    Question.objects.create(survey=survey, position=2, text="Vos démarches en ligne", kind="multiple",
                            choices=["Impôts", "CAF", "État civil"])  # fmt: skip
    Question.objects.create(survey=survey, position=3, text="Satisfaction", kind="scale")
    Question.objects.create(survey=survey, position=4, text="Heures par semaine", kind="number", required=False)
    return survey


def _survey(w):
    return make_survey(w.extra["part"].process)


def only(*allowed):
    return {role: 200 if role in allowed else 302 if role == "anonymous" else 403 for role in PART_ROLES}


CASES = [
    Case("survey", lambda w: _survey(w).get_absolute_url(), dict.fromkeys(PART_ROLES, 200), covers=P + "survey"),
    Case("survey-export", lambda w: reverse(P + "survey_export", args=[_survey(w).pk, "csv"]),
         only("space_admin", "staff"), covers=P + "survey_export"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, PART_ROLES))
def test_matrix(part_world, case, role):
    check(part_world, case, role)


def test_a_citizen_answers_once_and_the_admins_download_the_answers(part):
    survey = make_survey(part.process)
    q = {question.position: f"q{question.pk}" for question in survey.questions.all()}
    citizen = UserFactory()
    client = login(Client(), citizen)
    refused = client.post(survey.get_absolute_url(), {q[1]: "Bas-Montreuil", q[2]: ["Impôts", "Loto"], q[3]: "9"})
    assert refused.status_code == 200 and not SurveyResponse.objects.exists()
    assert client.post(survey.get_absolute_url(), {q[1]: "=HYPERLIEN(1)", q[2]: ["Impôts", "CAF"], q[3]: "4",
                                                   q[4]: "2,5"}).status_code == 302  # fmt: skip
    assert client.post(survey.get_absolute_url(), {q[1]: "Autre", q[2]: ["CAF"], q[3]: "1"}).status_code == 200
    assert SurveyResponse.objects.get().answers == {
        q[1][1:]: "=HYPERLIEN(1)", q[2][1:]: ["Impôts", "CAF"], q[3][1:]: 4, q[4][1:]: "2.5",
    }  # fmt: skip
    assert "Vous avez répondu" in client.get(survey.get_absolute_url()).content.decode()
    export = login(Client(), part.space_admin).get(reverse(P + "survey_export", args=[survey.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][1:] == ["Votre quartier", "Vos démarches en ligne", "Satisfaction", "Heures par semaine"]
    assert rows[1][1:3] == ["'=HYPERLIEN(1)", "Impôts, CAF"]  # a typed formula never becomes one
    assert citizen.email not in export.content.decode()
    xlsx = login(Client(), part.space_admin).get(reverse(P + "survey_export", args=[survey.pk, "xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
