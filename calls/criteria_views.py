"""Reviewers' pages of operator criteria (F-REV-2) and upsell effectiveness (F-REV-4).

Thin views: parse the period with a form, ask calls.criteria (which also says whose rows
the user may see), draw the charts with orderdesk.charts, render the page or, for htmx,
the ``#criteria-body`` partial.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from calls import claims, criteria, upsell_report
from calls.models import Feedback
from orderdesk.charts import bar_chart, trend_chart
from orderdesk.money import rub
from orderdesk.templatetags.review import seconds

TABLE_CRITERIA = [
    "calls",
    "orders",
    "order_value",
    "avg_order_value",
    "offers_made",
    "accept_rate",
    "value_added_by_offers",
    "debt_blocks",
    "transfers",
    "avg_handling_seconds",
    "callbacks_kept",
    "claims",
]
OPERATOR_PAGE_CRITERIA = [
    "calls",
    "orders",
    "order_value",
    "accept_rate",
    "avg_handling_seconds",
    "claims",
]


class CriteriaForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=criteria.PeriodKind.CHOICES,
        required=False,
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    criterion = forms.ChoiceField(
        label=gettext_lazy("Chart"),
        choices=[(code, label) for code, label in criteria.Criterion.LABELS.items()],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") or data.get("date_to"):
            data["period"] = data.get("period") or criteria.PeriodKind.CUSTOM
        kind = data.get("period") or criteria.PeriodKind.MONTH
        try:
            data["dates"] = criteria.period_dates(
                kind,
                today=timezone.localdate(),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        except ValidationError as exc:
            self.add_error("date_to" if kind == criteria.PeriodKind.CUSTOM else None, exc)
        data["period"] = kind
        data["criterion"] = data.get("criterion") or "calls"
        return data


def _parse(request) -> tuple[CriteriaForm, str, tuple, str]:
    """The form, the period kind, its dates and the chosen criterion (this month and calls
    when the input is missing or wrong: the page never fails on a bad query string)."""
    form = CriteriaForm(request.GET)
    if form.is_valid():
        return (
            form,
            form.cleaned_data["period"],
            form.cleaned_data["dates"],
            form.cleaned_data["criterion"],
        )
    today = timezone.localdate()
    return form, criteria.PeriodKind.MONTH, (today.replace(day=1), today), "calls"


def formatter(code: str):
    if code in criteria.Criterion.MONEY:
        return rub
    if code == "accept_rate":
        return lambda v: f"{number_format(v, 1)} %"
    if code == "avg_handling_seconds":
        return seconds
    return lambda v: number_format(v, 0) if isinstance(v, int) else number_format(v, 1)


def _operator_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _period_query(kind: str, dates: tuple) -> str:
    if kind == criteria.PeriodKind.CUSTOM:
        return f"period=custom&date_from={dates[0]:%Y-%m-%d}&date_to={dates[1]:%Y-%m-%d}"
    return f"period={kind}"


def _period_context(form, kind: str, date_from, date_to) -> dict:
    """What every criteria page shows of its period: the form, the period buttons, the
    dates and the query string that keeps them in links."""
    return {
        "form": form,
        "period_kind": kind,
        "period_choices": criteria.PeriodKind.CHOICES,
        "date_from": date_from,
        "date_to": date_to,
        "period_query": _period_query(kind, (date_from, date_to)),
    }


def _page(request, template: str, context: dict):
    """The whole page, or its ``#criteria-body`` for an htmx period or criterion switch."""
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{template}#criteria-body", context)
    return render(request, template, context)


@require_GET
def criteria_page(request):
    form, kind, (date_from, date_to), criterion = _parse(request)
    operators = criteria.criteria_operators(request.user, date_from=date_from, date_to=date_to)
    rows = criteria.operator_criteria(date_from=date_from, date_to=date_to, operators=operators)
    total = criteria.desk_total(
        date_from=date_from, date_to=date_to, operators=operators, rows=rows
    )
    fmt = formatter(criterion)
    period = _period_context(form, kind, date_from, date_to)
    period_query = period["period_query"]
    trend = trend_chart(
        criteria.daily_trend(
            date_from=date_from, date_to=date_to, operators=operators, criterion=criterion
        ),
        title=_("%(criterion)s by day") % {"criterion": criteria.criterion_label(criterion)},
        fmt=fmt,
    )
    by_operator = bar_chart(
        [
            (
                _operator_name(row.operator),
                getattr(row, criterion),
                reverse("calls:criteria_operator", args=[row.operator.pk]) + "?" + period_query,
            )
            for row in rows
        ],
        title=_("%(criterion)s by operator") % {"criterion": criteria.criterion_label(criterion)},
        fmt=fmt,
    )
    reasons = sorted({r for row in rows for r in row.offers_by_reason})
    rules = sorted({r for row in rows for r in row.transfers_by_rule})
    context = {
        **period,
        "criterion": criterion,
        "criterion_label": criteria.criterion_label(criterion),
        "columns": [(code, criteria.criterion_label(code)) for code in TABLE_CRITERIA],
        "rows": rows,
        "total": total,
        "trend": trend,
        "by_operator": by_operator,
        "reasons": [(r, _reason_label(r)) for r in reasons],
        "rules": [(r, _rule_label(r)) for r in rules],
        "nav_active": "criteria",
    }
    return _page(request, "calls/criteria/criteria.html", context)


def _reason_label(reason: str) -> str:
    from orders.models import UpsellOffer

    return str(dict(UpsellOffer.Reason.choices).get(reason, reason))


def _rule_label(rule: str) -> str:
    from calls.routing import RouteRule

    return str(dict(RouteRule.choices).get(rule, rule))


@require_GET
def operator_page(request, operator_id: int):
    form, kind, (date_from, date_to), _criterion = _parse(request)
    operators = criteria.criteria_operators(request.user, date_from=date_from, date_to=date_to)
    operator = get_object_or_404(get_user_model(), pk=operator_id)
    if operators is not None and not operators.filter(operator_id=operator.pk).exists():
        raise Http404(_("No such operator among the ones you review."))
    rows = criteria.operator_criteria(date_from=date_from, date_to=date_to, operators=[operator])
    row = rows[0] if rows else criteria.OperatorCriteria(operator=operator)
    trends = criteria.daily_trends(
        date_from=date_from,
        date_to=date_to,
        operators=[operator],
        criteria=OPERATOR_PAGE_CRITERIA,
    )
    charts = [
        trend_chart(
            trends[code],
            title=criteria.criterion_label(code),
            fmt=formatter(code),
            width=520,
            height=180,
        )
        for code in OPERATOR_PAGE_CRITERIA
    ]
    context = {
        **_period_context(form, kind, date_from, date_to),
        "operator": operator,
        "row": row,
        "charts": charts,
        "columns": [(code, criteria.criterion_label(code)) for code in TABLE_CRITERIA],
        "reasons": [(r, _reason_label(r), v) for r, v in sorted(row.offers_by_reason.items())],
        "rules": [(r, _rule_label(r), n) for r, n in sorted(row.transfers_by_rule.items())],
        "nav_active": "criteria",
    }
    return _page(request, "calls/criteria/operator.html", context)


@require_GET
def upsell_page(request):
    form, kind, (date_from, date_to), _criterion = _parse(request)
    operators = criteria.criteria_operators(request.user, date_from=date_from, date_to=date_to)
    report = upsell_report.upsell_effectiveness(
        date_from=date_from, date_to=date_to, operators=operators
    )
    chart = bar_chart(
        [(p.name, p.accepted, None) for p in report.products[:10]],
        title=_("Offers accepted, top products"),
    )
    context = {
        **_period_context(form, kind, date_from, date_to),
        "report": report,
        "chart": chart,
        "reasons": {r: _reason_label(r) for r in criteria.OFFER_REASONS},
        "nav_active": "upsell",
    }
    return _page(request, "calls/criteria/upsell.html", context)


@require_POST
def judge_claim(request, feedback_id: int):
    """A head marks a complaint against an order justified or not (from the client page)."""
    if not claims.may_judge_claims(request.user):
        raise PermissionDenied(_("Only a head of department judges claims."))
    feedback = get_object_or_404(Feedback, pk=feedback_id)
    verdict = request.POST.get("justified")
    if verdict not in ("yes", "no"):
        messages.error(request, _("Choose whether the claim is justified."))
    else:
        try:
            claims.judge_claim(feedback=feedback, justified=verdict == "yes", by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The verdict on the claim is recorded."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("calls:criteria")
    return redirect(next_url)
