"""Finance's receivables (F-CLI-3): thin view over clients.receivables."""

from django import forms
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clients import receivables as worklist
from orderdesk.exports import EXPORT_PERMISSION
from orderdesk.logs import EXPORT_FORMATS, export_list, render_rows
from orderdesk.paging import keyset_page

EXPORT_HEADER = [
    _("Client"),
    _("Client type"),
    _("Manager"),
    _("Document"),
    _("Document date"),
    _("Due"),
    _("Amount, ₽"),
    _("Outstanding, ₽"),
    _("Credit limit, ₽"),
]


class ReceivableFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Client (name or phone)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    over_limit = forms.BooleanField(label=_("Over the limit"), required=False)

    def filters(self) -> worklist.ReceivableFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return worklist.ReceivableFilters(
            q=data.get("q") or "",
            overdue=bool(data.get("overdue")),
            over_limit=bool(data.get("over_limit")),
        )


@permission_required("clients.view_all_receivables", raise_exception=True)
@require_GET
def receivables(request):
    form = ReceivableFilterForm(request.GET or None)
    on = timezone.localdate()
    rows = worklist.open_receivables(filters=form.filters(), on=on)
    if request.GET.get("format") in EXPORT_FORMATS:
        ordered = rows.order_by("due_date", "pk").iterator(chunk_size=2000)
        return export_list(
            request,
            list_name="receivables",
            filename="receivables",
            header=EXPORT_HEADER,
            rows=(worklist.export_row(row) for row in ordered),
        )
    page = keyset_page(rows, field="due_date", cursor=request.GET.get("after"), ascending=True)
    worklist.decorate(page.rows, on=on)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "rows": page.rows,
        "totals": worklist.receivable_totals(rows, on=on),
        "first_page": not request.GET.get("after"),
        "query": query.urlencode(),
        "may_export": request.user.has_perm(EXPORT_PERMISSION),
        "nav_active": "receivables",
    }
    if request.htmx and not request.htmx.boosted:
        return render_rows(request, "clients/receivables.html", context, partial="receivable-rows")
    return render(request, "clients/receivables.html", context)
