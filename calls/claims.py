"""A head's verdict on a claim (a complaint against an order): counts in the operator
criteria as "claims justified"."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Feedback
from orderdesk.models import Department


def may_judge_claims(user) -> bool:
    """Heads of departments and superusers judge claims."""
    return user.is_superuser or Department.objects.filter(head=user).exists()


@transaction.atomic
def judge_claim(*, feedback: Feedback, justified: bool, by) -> Feedback:
    """Mark a complaint against an order justified or not, recording who and when."""
    if not may_judge_claims(by):
        raise PermissionDenied(_("Only a head of department judges claims."))
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if feedback.kind != Feedback.Kind.COMPLAINT or feedback.order_id is None:
        raise ValidationError(_("Only a complaint about an order can be judged."))
    feedback.justified = bool(justified)
    feedback.justified_by = by
    feedback.justified_at = timezone.now()
    feedback.save(update_fields=["justified", "justified_by", "justified_at"])
    return feedback
