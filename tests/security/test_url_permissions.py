"""Every URL pattern, every role: the expected status table (the attack of issue 11, as a
test). A URL added without an entry here fails with a message saying what to add; an entry
says what each role gets, using ids of objects the role must NOT see (another operator's
call and order, another manager's transfer, feedback and task).

Admin-site patterns are checked by rule: no role without the admin site gets a 200 on any
of them, and the admin never gets a 500.
"""

import pytest
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    CallTaskFactory,
    ClientFactory,
    DepartmentFactory,
    FeedbackFactory,
    OrderFactory,
    ProductFactory,
    TransferFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

ANON = "anonymous"
ROLES = [ANON, Role.OPERATOR, Role.MANAGER, Role.HEAD, Role.FINANCE, Role.ADMIN]


# name: statuses for GET, then POST, in the order of ROLES:
#          (anonymous, operator, manager, head, finance, admin)
# 302 from anonymous is the login redirect; 404 where a role may use the screen but the
# object (another operator's call or order, another department's task) is not its own.
TABLE = {
    "home": ((302,) * 6, (302,) * 6),
    "login": ((200,) * 6, (200,) * 6),
    "logout": ((302, 405, 405, 405, 405, 405), (302,) * 6),
    "logout_everywhere": ((302, 405, 405, 405, 405, 405), (302,) * 6),
    "presence": ((302, 405, 405, 405, 405, 405), (302,) * 6),
    "set_language": ((302,) * 6, (302,) * 6),
    # Two-factor: anyone signed in enrols; verify sends someone without a device to enrol.
    "two_factor_setup": ((302, 200, 200, 200, 200, 200), (302, 200, 200, 200, 200, 200)),
    "two_factor_verify": ((302,) * 6, (302,) * 6),
    # The order screens: the operator's own calls only; everyone else 403.
    "orders:entry": ((302, 404, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    "orders:search": ((302, 404, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    "orders:add_line": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:change_line": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:repeat_last": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:answer_offer": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:delivery": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:review": ((302, 404, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    "orders:accept": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "orders:done": ((302, 404, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    # Confirmations: the order's operator, its client's manager or head, and finance (all).
    "orders:confirmation": ((302, 404, 404, 404, 200, 404), (302, 405, 405, 405, 405, 405)),
    "orders:send_confirmation": ((302, 405, 405, 405, 405, 405), (302, 404, 404, 404, 302, 404)),
    "orders:order_log": ((302, 403, 200, 200, 200, 403), (302, 403, 200, 200, 200, 403)),
    "orders:start": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    # The order page: whoever may see the order (finance and admins here); moving it is
    # for the client's manager, heads and admins (finance 403; the admin's empty form
    # is refused with a message and a redirect back).
    "orders:page": ((302, 404, 404, 404, 200, 200), (302, 405, 405, 405, 405, 405)),
    "orders:page_status": ((302, 405, 405, 405, 405, 405), (302, 404, 404, 404, 403, 302)),
    "orders:page_arrival": ((302, 405, 405, 405, 405, 405), (302, 404, 404, 404, 403, 302)),
    "orders:page_line": ((302, 405, 405, 405, 405, 405), (302, 404, 404, 404, 403, 302)),
    # The console and the call script: operators, their own calls.
    "calls:console": ((302, 200, 403, 403, 403, 403), (302, 200, 403, 403, 403, 403)),
    "calls:start": ((302, 405, 403, 403, 403, 403), (302, 422, 403, 403, 403, 403)),
    "calls:incoming": ((302, 204, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    "calls:start_task": ((302, 405, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "calls:reference_search": ((302, 404, 403, 403, 403, 403), (302, 405, 403, 403, 403, 403)),
    "calls:price_list": ((302, 405, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "calls:step": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    # The inbox: reviewers; handling someone else's item is refused.
    "calls:inbox": ((302, 403, 200, 200, 200, 200), (302, 403, 200, 200, 200, 200)),
    "calls:inbox_count": ((302, 403, 200, 200, 200, 200), (302, 403, 405, 405, 405, 405)),
    "calls:transfer_handled": ((302, 403, 405, 405, 405, 405), (302, 403, 403, 403, 403, 403)),
    "calls:feedback_handled": ((302, 403, 405, 405, 405, 405), (302, 403, 403, 403, 403, 403)),
    "calls:assign_manager": ((302, 403, 403, 405, 403, 405), (302, 403, 403, 404, 403, 404)),
    "calls:call_log": ((302, 403, 200, 200, 200, 403), (302, 403, 200, 200, 200, 403)),
    # Outbound work: heads of a sales department and admins (a head of no sales department
    # gets 403 like everyone else; admins see every department's campaigns and surveys);
    # operators take the next task and answer the survey of their own call.
    "campaigns:asleep": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 200)),
    "campaigns:client_search": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "campaigns:count": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "campaigns:detail": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "campaigns:list": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "campaigns:new": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 422)),
    "campaigns:next_task": ((302, 405, 403, 403, 403, 403), (302, 302, 403, 403, 403, 403)),
    "campaigns:question_action": (
        (302, 403, 403, 403, 403, 405),
        (302, 403, 403, 403, 403, 302),
    ),
    "campaigns:results_seen": ((302, 405, 405, 405, 405, 405), (302, 302, 302, 302, 302, 302)),
    "campaigns:stop": ((302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)),
    "campaigns:summary": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 405)),
    "campaigns:survey": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 422)),
    "campaigns:survey_copy": ((302, 403, 403, 403, 403, 405), (302, 403, 403, 403, 403, 302)),
    "campaigns:survey_step": ((302, 404, 403, 403, 403, 403), (302, 404, 403, 403, 403, 403)),
    "campaigns:surveys": ((302, 403, 403, 403, 403, 200), (302, 403, 403, 403, 403, 200)),
    # Reviewers' pages (issue 9): criteria for heads, managers (their clients' operators)
    # and admins; the client list and pages for managers, heads, finance and admins.
    "calls:criteria": ((302, 403, 200, 200, 403, 200), (302, 405, 405, 405, 405, 405)),
    "calls:criteria_operator": ((302, 403, 404, 200, 403, 200), (302, 405, 405, 405, 405, 405)),
    "calls:judge_claim": ((302, 405, 405, 405, 405, 405), (302, 403, 403, 403, 403, 403)),
    "calls:upsell": ((302, 403, 200, 200, 403, 200), (302, 405, 405, 405, 405, 405)),
    "clients:review_client": ((302, 403, 404, 404, 200, 200), (302, 405, 405, 405, 405, 405)),
    "clients:review_list": ((302, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405)),
    # Machine endpoints: bearer token only, whoever is signed in.
    "calls:telephony_incoming": ((405,) * 6, (401,) * 6),
    "clients:receivables": ((302, 403, 403, 403, 200, 403), (302, 403, 403, 403, 405, 403)),
    "clients:api_receivables": ((405,) * 6, (401,) * 6),
}


@pytest.fixture
def world():
    """Objects that belong to someone else than every role under test."""
    department = DepartmentFactory(head=make_staff(role=Role.HEAD))
    owner = make_staff(role=Role.MANAGER, department=department)
    other_operator = make_staff(role=Role.OPERATOR)
    customer = ClientFactory(manager=owner, phone="+74951000001")
    call = CallFactory(operator=other_operator, client=customer)
    order = OrderFactory(
        client=customer,
        call=call,
        operator=other_operator,
        status=Order.Status.ACCEPTED,
        number="З-000001",
        accepted_at=timezone.now(),
    )
    transfer = TransferFactory(call=call, to_user=owner)
    feedback = FeedbackFactory(call=call, client=customer)
    feedback.departments.set([department])
    task = CallTaskFactory(client=customer, assigned_to=owner, call=call)
    return {
        "call_id": call.pk,
        "order_id": order.pk,
        "product_id": ProductFactory().pk,
        "transfer_id": transfer.pk,
        "feedback_id": feedback.pk,
        "task_id": task.pk,
        "step": "purpose",
        "client_id": customer.pk,
        "operator_id": other_operator.pk,
        # another department's survey and campaign
        **_outbound_of(department),
    }


def _outbound_of(department):
    from calls.models import Campaign, Question, Survey

    survey = Survey.objects.create(name="Опрос", department=department)
    question = Question.objects.create(survey=survey, text="Довольны?", kind="scale")
    campaign = Campaign.objects.create(name="Обзвон", department=department, survey=survey)
    return {
        "campaign_id": campaign.pk,
        "survey_id": survey.pk,
        "question_id": question.pk,
        "action": "up",
    }


def _patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = pattern.namespace or namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, pattern


def _client_for(role):
    client = HttpClient()
    if role != ANON:
        client.force_login(make_staff(role=role))
    return client


def _kwargs(pattern, world):
    return {name: world[name] for name in pattern.pattern.converters}


ALL = dict(_patterns())


def test_every_url_pattern_is_in_the_table():
    unknown = sorted(set(ALL) - set(TABLE))
    assert not unknown, (
        f"URL patterns without an expected status table: {unknown}. Add each to TABLE in "
        "tests/security/test_url_permissions.py with what every role must get (and make "
        "sure the view checks a permission)."
    )
    gone = sorted(set(TABLE) - set(ALL))
    assert not gone, f"TABLE lists URL names that no longer exist: {gone}"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_role_gets_the_expected_status(world, name):
    pattern = ALL[name]
    url = reverse(name, kwargs=_kwargs(pattern, world))
    clients = {role: _client_for(role) for role in ROLES}
    got = tuple(
        tuple(getattr(clients[role], method)(url).status_code for role in ROLES)
        for method in ("get", "post")
    )
    assert got == TABLE[name], f"{name} ({url}): got GET {got[0]} POST {got[1]}"


def _admin_urls():
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        urls.append(reverse(f"{prefix}_add"))
        for view in ("change", "delete", "history"):
            urls.append(reverse(f"{prefix}_{view}", args=[1]))
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
    return sorted(set(urls))


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_site_is_for_the_admin_only(world, role):
    client = _client_for(role)
    for url in _admin_urls():
        status = client.get(url).status_code
        if role == Role.ADMIN:
            assert status in (200, 302, 403, 404), f"{url}: {status}"
        else:
            assert status in (302, 403), f"{role} got {status} on {url}"
