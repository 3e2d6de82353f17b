"""Shipped outcomes show in the interface's language; admins' names stay as typed (issue 12)."""

import pytest
from django.utils import translation

from calls.models import CallOutcome, OutcomeCode

pytestmark = pytest.mark.django_db


def test_a_shipped_outcome_shows_in_the_interface_language():
    outcome = CallOutcome.objects.get(code=OutcomeCode.NO_ANSWER)
    assert outcome.name == "Нет ответа"  # as shipped (calls.outcomes.OUTCOMES)
    with translation.override("en"):
        assert outcome.label == "No answer" and str(outcome) == "No answer"
    with translation.override("ru"):
        assert outcome.label == "Нет ответа"


def test_an_admins_rename_and_an_admins_own_outcome_stay_as_typed():
    renamed = CallOutcome.objects.get(code=OutcomeCode.CALL_BACK)
    renamed.name = "Перезвонить (клиент занят)"
    renamed.save()
    own = CallOutcome.objects.create(code="wrong_number", name="Ошибся номером", position=20)
    with translation.override("en"):
        assert renamed.label == "Перезвонить (клиент занят)"
        assert own.label == "Ошибся номером"
