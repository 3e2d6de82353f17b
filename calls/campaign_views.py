"""Outbound work: the heads' screens (campaigns, asleep sweep, surveys and their summary)
and the operator's side (next task, the survey step of an outbound call).

Thin views: parse with a form → one call into calls.campaigns / calls.surveys → render
the page, or for htmx its partial. Heads reach only their department's campaigns and
surveys (another's id is a 404); anyone who directs nothing gets 403.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calls import campaigns, surveys
from calls.campaign_forms import (
    CampaignForm,
    ClientFilterForm,
    QuestionForm,
    SurveyForm,
    SweepForm,
    answers_from_post,
)
from calls.errors import CallError
from calls.flow import Step, guard
from calls.models import Campaign, Question, Survey
from calls.views import _go, own_call, render_step, step_url
from orderdesk.charts import bar_chart
from orderdesk.logs import EXPORT_FORMATS, export_list

TASKS_PAGE = 50
ASLEEP_LIMIT = 300
PICK_LIMIT = 20

console_required = permission_required("calls.use_console", raise_exception=True)


def director_required(view):
    """Heads of a sales department and admins; anyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not campaigns.can_direct(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, template: str, partial: str, context: dict):
    context.setdefault("nav_active", "outbound")
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context)


# --- campaigns -------------------------------------------------------------------------------


@director_required
@require_GET
def campaign_list(request):
    rows = campaigns.campaigns_with_progress(request.user)
    return _page(request, "calls/campaigns/list.html", "campaign-list", {"campaigns": rows})


def _picked(request, form) -> list:
    ids = form.cleaned_data.get("client") or [] if form.is_valid() else []
    if not ids:
        return []
    return list(campaigns.clients_in_scope(request.user).filter(pk__in=ids).order_by("name"))


@director_required
def campaign_new(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaigns.create_campaign(
                by=request.user,
                name=data["name"],
                instructions=data["instructions"],
                clients=form.selection(),
                due_at=data["due_at"],
                survey=data["survey"],
                operators=data["operators"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("Campaign “%(name)s” created: %(n)s calls to make.")
                % {"name": campaign.name, "n": campaign.tasks.count()},
            )
            return _go(request, reverse("campaigns:detail", args=[campaign.pk]))
    count = form.selection().count() if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        count = campaigns.select_clients(user=request.user).count()
    context = {"form": form, "count": count, "picked": _picked(request, form)}
    status = 422 if request.method == "POST" and not request.htmx else 200
    if request.htmx:
        return render(request, "calls/campaigns/new.html#campaign-form", context, status=status)
    context["nav_active"] = "outbound"
    return render(request, "calls/campaigns/new.html", context, status=status)


@director_required
@require_GET
def campaign_count(request):
    """htmx: how many clients the filters pick, before anything is created."""
    form = ClientFilterForm(request.GET, user=request.user)
    count = form.selection().count() if form.is_valid() else None
    return render(request, "calls/campaigns/new.html#pick-count", {"count": count})


@director_required
@require_GET
def client_search(request):
    """htmx: clients in scope by name or number, to pick one by one."""
    q = request.GET.get("q", "").strip()
    found = []
    if len(q) >= 2:
        found = list(
            campaigns.clients_in_scope(request.user)
            .filter(name__icontains=q)
            .select_related("client_type")
            .order_by("name")[:PICK_LIMIT]
        )
    return render(request, "calls/campaigns/new.html#pick-results", {"found": found, "q": q})


@director_required
@require_GET
def campaign_detail(request, campaign_id: int):
    campaign = get_object_or_404(
        campaigns.campaigns_for(request.user).select_related("survey", "created_by", "department"),
        pk=campaign_id,
    )
    page = Paginator(campaigns.campaign_tasks(campaign), TASKS_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "campaign": campaign,
        "progress": campaigns.campaign_progress(campaign),
        "page": page,
        "operators": list(campaign.operators.all()),
    }
    return _page(request, "calls/campaigns/detail.html", "campaign-tasks", context)


@director_required
@require_POST
def campaign_stop(request, campaign_id: int):
    campaign = get_object_or_404(campaigns.campaigns_for(request.user), pk=campaign_id)
    stopped = campaigns.stop_campaign(campaign=campaign, by=request.user)
    messages.success(request, _("Campaign stopped: %(n)s open calls cancelled.") % {"n": stopped})
    return _go(request, reverse("campaigns:detail", args=[campaign.pk]))


# --- the asleep sweep (F-OUT-1) ------------------------------------------------------------------


@director_required
def asleep(request):
    """GET lists the asleep clients; POST makes a sweep campaign of the ones ticked."""
    if request.method == "POST":
        form = SweepForm(request.POST)
        if form.is_valid():
            try:
                campaign = campaigns.create_campaign(
                    by=request.user,
                    name=form.cleaned_data["name"],
                    instructions=_(
                        "The client has not ordered for a long time: ask why, offer what "
                        "they used to buy and this week's promotions."
                    ),
                    clients=campaigns.asleep_clients(user=request.user).filter(
                        pk__in=form.cleaned_data["client"]
                    ),
                    kind=Campaign.Kind.SWEEP,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("Sweep campaign created: %(n)s calls to make.")
                    % {"n": campaign.tasks.count()},
                )
                return _go(request, reverse("campaigns:detail", args=[campaign.pk]))
        else:
            messages.error(request, _("Tick at least one client and give the campaign a name."))
    now = timezone.now()
    rows = list(campaigns.asleep_clients(user=request.user, now=now)[:ASLEEP_LIMIT])
    for client in rows:
        client.days_asleep = campaigns.days_since(client.last_order_at, now=now)
    context = {
        "rows": rows,
        "limit": ASLEEP_LIMIT,
        "name": _("Asleep sweep %(date)s") % {"date": timezone.localdate().strftime("%d.%m.%Y")},
    }
    return _page(request, "calls/campaigns/asleep.html", "asleep-rows", context)


# --- surveys -------------------------------------------------------------------------------------


def _survey(request, survey_id: int) -> Survey:
    return get_object_or_404(campaigns.surveys_for(request.user), pk=survey_id)


@director_required
def survey_list(request):
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = surveys.create_survey(by=request.user, name=form.cleaned_data["name"])
        return _go(request, reverse("campaigns:survey", args=[survey.pk]))
    rows = campaigns.surveys_for(request.user).order_by("-created_at", "-id")[:100]
    from django.db.models import Count

    rows = rows.annotate(n_questions=Count("questions", distinct=True))
    return _page(
        request, "calls/surveys/list.html", "survey-list", {"surveys": list(rows), "form": form}
    )


def _builder(request, survey, *, form=None, error=None, status=200):
    context = {
        "survey": survey,
        "questions": list(survey.questions.prefetch_related("choices")),
        "frozen": surveys.is_frozen(survey),
        "form": form or QuestionForm(initial={"required": True}),
        "error": error,
        "nav_active": "outbound",
        "responses": survey.responses.count(),
    }
    template = "calls/surveys/builder.html"
    if request.htmx:
        template += "#builder"
    return render(request, template, context, status=status)


@director_required
def survey_builder(request, survey_id: int):
    """GET shows the questions; POST adds one (refused once the survey has answers)."""
    survey = _survey(request, survey_id)
    if request.method != "POST":
        return _builder(request, survey)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _builder(request, survey, form=form, status=200 if request.htmx else 422)
    try:
        surveys.add_question(survey=survey, **form.cleaned_data)
    except ValidationError as error:
        return _builder(
            request,
            survey,
            form=form,
            error=" ".join(error.messages),
            status=200 if request.htmx else 422,
        )
    return _builder(request, survey) if request.htmx else redirect(request.path)


@director_required
@require_POST
def question_action(request, survey_id: int, question_id: int, action: str):
    survey = _survey(request, survey_id)
    question = get_object_or_404(Question, pk=question_id, survey=survey)
    error = None
    try:
        if action == "delete":
            surveys.delete_question(question=question)
        elif action in ("up", "down"):
            surveys.move_question(question=question, up=action == "up")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return _builder(request, survey, error=error)
    if error:
        messages.error(request, error)
    return redirect("campaigns:survey", survey.pk)


@director_required
@require_POST
def survey_copy(request, survey_id: int):
    copy = surveys.copy_survey(survey=_survey(request, survey_id), by=request.user)
    messages.success(request, _("A copy you can change: %(name)s.") % {"name": copy.name})
    return _go(request, reverse("campaigns:survey", args=[copy.pk]))


@director_required
@require_GET
def survey_summary(request, survey_id: int):
    survey = _survey(request, survey_id)
    if request.GET.get("format") in EXPORT_FORMATS:
        # The shared export: formula-safe cells, recorded, refused to those who may not export.
        rows = surveys.answer_rows(survey)
        header = next(rows)
        return export_list(
            request,
            list_name="survey",
            filename=f"survey-{survey.pk}-{timezone.localdate():%Y%m%d}",
            header=header,
            rows=rows,
        )
    entries = surveys.summary(survey)
    for entry in entries:
        entry["chart"] = _choices_chart(entry) if entry["choices"] else None
    context = {"survey": survey, "entries": entries, "responses": survey.responses.count()}
    return _page(request, "calls/surveys/summary.html", "summary", context)


def _choices_chart(entry: dict):
    """A question's answers as bars (orderdesk.charts), each with its count and share."""
    rows = entry["choices"]
    # The share is a function of the count, so the count finds it.
    share = {row["count"]: row["percent"] for row in rows}
    return bar_chart(
        [(row["label"], row["count"], None) for row in rows],
        title=entry["text"],
        fmt=lambda count: f"{count} · {number_format(share[count], 1)}%",
    )


# --- the operator's side -------------------------------------------------------------------------


@console_required
@require_POST
def next_task(request):
    """One key on the console: dial the first task of the operator's list."""
    try:
        call = campaigns.next_task(request.user)
    except (CallError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", str(error)))
        return _go(request, reverse("calls:console"))
    if call is None:
        messages.info(request, _("No calls to make right now."))
        return _go(request, reverse("calls:console"))
    return _go(request, step_url(call, call.step or Step.IDENTIFY))


@console_required
def survey_step(request, call_id: int):
    """The survey of the call's campaign as one form; answers stored all or nothing."""
    call = own_call(request, call_id)
    survey = campaigns.survey_of(call)
    if survey is None:
        messages.info(request, _("This call has no survey."))
        return redirect(step_url(call, call.step or Step.IDENTIFY))
    not_ready = guard(call, Step.SURVEY)
    if not_ready:
        messages.info(request, not_ready)
        return _go(request, step_url(call, call.step or Step.IDENTIFY))
    questions = list(survey.questions.prefetch_related("choices"))
    answered = hasattr(call, "survey_response")
    extra = {"survey": survey, "questions": questions, "answered": answered}
    if request.method == "POST":
        answers = answers_from_post(request.POST, questions)
        try:
            surveys.record_answers(call=call, survey=survey, answers=answers, by=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                extra["error"] = _("The answers were not saved: correct the marked questions.")
                _mark(questions, answers, error.message_dict)
            else:
                extra["error"] = " ".join(error.messages)
            return render_step(
                request, call, "survey", status=200 if request.htmx else 422, **extra
            )
        messages.success(request, _("Survey answers saved."))
        target = call.step if call.step and call.step != Step.SURVEY else Step.WRAP_UP
        if request.htmx:
            call.refresh_from_db()
            return render_step(request, call, target, push=True)
        return redirect(step_url(call, target))
    return render_step(request, call, "survey", **extra)


def _mark(questions, answers: dict, errors: dict) -> None:
    """Keep what was typed and put each question's message next to it."""
    for question in questions:
        value = answers.get(question.pk)
        values = value if isinstance(value, list) else [value]
        question.errors = errors.get(f"q{question.pk}", [])
        question.picked = {str(v) for v in values if v not in (None, "")}
        question.value = value if isinstance(value, str) else ""


# --- the head's inbox ---------------------------------------------------------------------


@login_required
@require_POST
def results_seen(request):
    campaigns.mark_results_seen(user=request.user)
    return _go(request, reverse("calls:inbox"))
