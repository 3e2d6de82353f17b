"""Comments, wishes and complaints: recorded on the call, routed to the departments
concerned, closed by them from their inbox."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import events
from calls.errors import CallError
from calls.flow import Step, require_step
from calls.models import Call, Feedback
from calls.services import lock_open_call

FEEDBACK_MAX_LENGTH = 5000


@transaction.atomic
def record_feedback(*, call: Call, kind: str, text: str, departments, by) -> Feedback:
    """Record a comment, wish or complaint and route it to the departments concerned
    (once per call: a second submit is refused)."""
    lock_open_call(call, by=by)
    require_step(call, Step.FEEDBACK)
    if kind not in Feedback.Kind.values:
        raise CallError(_("Choose whether it is a comment, a wish or a complaint."))
    text = (text or "").strip()
    if not text:
        raise CallError(_("Write down what the caller said."))
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise CallError(
            _("The text is too long: at most %(max)d characters.") % {"max": FEEDBACK_MAX_LENGTH}
        )
    departments = list(departments or [])
    if not departments:
        raise CallError(_("Choose at least one department concerned."))

    feedback = Feedback(call=call, client=call.client, kind=kind, text=text, created_by=by)
    feedback.full_clean()
    feedback.save()
    feedback.departments.set(departments)
    call.step = Step.WRAP_UP
    call.save(update_fields=["step"])
    events.feedback_recorded(call=call, by=by, feedback=feedback)
    return feedback


@transaction.atomic
def mark_feedback_handled(*, feedback: Feedback, by) -> Feedback:
    """Staff or the head of a department concerned marks feedback handled; the first wins."""
    current = Feedback.objects.select_for_update().get(pk=feedback.pk)
    concerned = current.departments.filter(Q(head=by) | Q(staff__user=by)).exists()
    if not concerned:
        raise PermissionDenied(_("This feedback is not for your department."))
    if current.handled_at is None:
        current.handled_at = timezone.now()
        current.handled_by = by
        current.save(update_fields=["handled_at", "handled_by"])
    feedback.handled_at, feedback.handled_by = current.handled_at, current.handled_by
    return current
