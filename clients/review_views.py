"""Clients for managers and heads (F-REV-5): the list and one client's page.

Thin views: the filter form parses, clients.review says whose clients and computes the
columns, orderdesk.paging pages them by keyset.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clients import review
from clients.debt import check_debt
from clients.models import ClientType
from orderdesk.paging import keyset_page
from orderdesk.roles import Role


class ClientFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or phone"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", "—"), *review.STATUS_CHOICES],
        required=False,
    )
    client_type = forms.ModelChoiceField(
        label=gettext_lazy("Type"), queryset=ClientType.objects.all(), required=False
    )
    manager = forms.ModelChoiceField(
        label=gettext_lazy("Manager"),
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD])
        .distinct()
        .order_by("last_name", "first_name"),
        required=False,
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue"), required=False)
    over_limit = forms.BooleanField(label=gettext_lazy("Over the limit"), required=False)

    def filters(self) -> review.ClientFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return review.ClientFilters(
            status=data.get("status") or "",
            client_type=data.get("client_type"),
            manager=data.get("manager"),
            overdue=bool(data.get("overdue")),
            over_limit=bool(data.get("over_limit")),
            q=data.get("q") or "",
        )


@require_GET
def client_list(request):
    review.client_scope(request.user)  # 403 before anything else
    form = ClientFilterForm(request.GET or None)
    on = timezone.localdate()
    rows = review.client_list(request.user, filters=form.filters(), on=on)
    page = keyset_page(rows, field="created_at", cursor=request.GET.get("after"))
    review.decorate(page.rows, on=on)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "nav_active": "clients",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "clients/review/list.html#client-rows", context)
    return render(request, "clients/review/list.html", context)


@require_GET
def client_page(request, client_id: int):
    review.client_scope(request.user)
    client = review.client_for(request.user, client_id)
    if client is None:
        raise Http404(_("No such client among yours."))
    from calls.claims import may_judge_claims  # calls depends on clients: import late

    on = timezone.localdate()
    context = {
        "may_judge": may_judge_claims(request.user),
        "client_obj": client,
        "status": review.client_status(client, on=on),
        "debt": check_debt(client, on=on),
        "receivables": review.open_receivables_of(client, on=on),
        "timeline": review.client_timeline(client),
        "nav_active": "clients",
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "clients/review/client.html#client-timeline", context)
    return render(request, "clients/review/client.html", context)
