"""A head marks a claim justified; nobody else can, and only complaints about an order."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from calls.claims import judge_claim
from calls.models import Feedback
from orderdesk.roles import Role
from tests.factories import DepartmentFactory, OrderFactory, make_staff

pytestmark = pytest.mark.django_db


def complaint(**kwargs):
    return Feedback.objects.create(
        kind=Feedback.Kind.COMPLAINT, text="Не довезли", order=OrderFactory(), **kwargs
    )


def test_a_head_marks_a_claim_justified():
    head = make_staff(role=Role.HEAD)
    DepartmentFactory(name="Опт", head=head)
    claim = judge_claim(feedback=complaint(), justified=True, by=head)
    claim.refresh_from_db()
    assert claim.justified is True and claim.justified_by == head and claim.justified_at


def test_a_manager_may_not_judge():
    claim = complaint()
    with pytest.raises(PermissionDenied):
        judge_claim(feedback=claim, justified=True, by=make_staff(role=Role.MANAGER))
    claim.refresh_from_db()
    assert claim.justified is None


def test_a_comment_is_not_a_claim():
    head = make_staff(role=Role.HEAD)
    DepartmentFactory(name="Опт", head=head)
    comment = Feedback.objects.create(kind=Feedback.Kind.COMMENT, text="Спасибо")
    with pytest.raises(ValidationError):
        judge_claim(feedback=comment, justified=True, by=head)
