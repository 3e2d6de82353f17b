"""Outbound work in Chromium: a head creates a campaign with a survey for three clients; an
operator works one task by keyboard, answers the survey and closes it; the head sees the
result on the campaign page and the answers in the summary."""

import re

import pytest
from playwright.sync_api import expect

from calls import surveys
from calls.models import CallTask, Campaign, SurveyResponse
from orderdesk.models import Department
from orderdesk.roles import Role
from tests.e2e.conftest import CONSOLE_URL, log_in, screenshot
from tests.factories import ClientFactory, ClientTypeFactory, DepartmentFactory, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org():
    head = make_staff(role=Role.HEAD, username="head", first_name="Олег", last_name="Главный")
    wholesale = DepartmentFactory(
        name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE, head=head
    )
    operator = make_staff(
        role=Role.OPERATOR, username="operator", first_name="Анна", last_name="Смирнова"
    )
    shops = ClientTypeFactory(code="shop", name="Магазин", department=wholesale)
    other = ClientTypeFactory(code="other", name="Прочие", department=wholesale)
    manager = make_staff(role=Role.MANAGER)
    for n, phone in enumerate(["+74951000011", "+74951000012", "+74951000013"], 1):
        ClientFactory(client_type=shops, name=f"ООО «Лавка {n}»", manager=manager, phone=phone)
    ClientFactory(client_type=other, name="ООО «Не звонить»", phone="+74951000019")
    survey = surveys.create_survey(by=head, name="Доставка")
    surveys.add_question(
        survey=survey, text="Довольны доставкой?", kind="single", choices=["Да", "Нет"]
    )
    surveys.add_question(survey=survey, text="Оценка сервиса", kind="scale")
    return {"head": head, "operator": operator, "shops": shops, "survey": survey}


def test_head_directs_a_campaign_operator_works_it_head_sees_the_result(page, org):
    # The head: filters pick three clients, the count says so before anything is made.
    log_in(page, "head")
    page.goto("/outbound/new/")
    page.locator("select[name=client_type]").select_option(str(org["shops"].pk))
    expect(page.locator("#pick-count")).to_contain_text("3")
    page.locator("input[name=name]").fill("Опрос о доставке")
    page.locator("textarea[name=instructions]").fill("Спросите, довольны ли доставкой")
    page.locator("select[name=survey]").select_option(str(org["survey"].pk))
    screenshot(page, "outbound-new-campaign")
    page.locator("input[name=name]").press("Enter")
    expect(page).to_have_url(re.compile(r"/outbound/\d+/$"))
    campaign = Campaign.objects.get()
    assert campaign.tasks.count() == 3

    # The operator: next task on one key, the survey as a step, wrap-up by keyboard.
    page.context.clear_cookies()
    log_in(page, "operator")
    page.goto("/console/")
    expect(page.locator("#id_phone")).to_be_focused()
    page.keyboard.press("F6")
    expect(page.locator("#call-brief")).to_contain_text("Спросите, довольны ли доставкой")
    page.keyboard.press("F7")
    form = page.locator(".survey-form")
    expect(form).to_be_visible()
    first = form.locator("input[type=radio]").first
    expect(first).to_be_focused()
    page.keyboard.press("Space")  # «Да»
    page.keyboard.press("Tab")  # to the scale
    page.keyboard.press("ArrowRight")  # 1 → 2
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 5
    screenshot(page, "outbound-survey-step")
    page.keyboard.press("F10")
    expect(page.locator("#call-brief")).to_contain_text("Опрос пройден")
    page.keyboard.press("F8")
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", "wrap_up")
    expect(panel.locator("button[type=submit]")).to_be_focused()
    # the outcome's number key, whatever its position in the list offered
    key = panel.locator("label.inline-choice", has_text="Справка дана").get_attribute("data-key")
    page.keyboard.press(key)
    expect(panel.locator("input[value=information_given]")).to_be_checked()
    panel.locator("textarea[name=notes]").fill("Всё устраивает")
    panel.locator("button[type=submit]").press("Enter")
    expect(page).to_have_url(CONSOLE_URL)
    response = SurveyResponse.objects.get()
    assert sorted(
        (a.choice.text if a.choice else str(a.scale)) for a in response.answers.all()
    ) == ["5", "Да"]
    done = CallTask.objects.get(status=CallTask.Status.DONE)
    assert "Всё устраивает" in done.result

    # The head: the result on the campaign page and the answers in the summary.
    page.context.clear_cookies()
    log_in(page, "head")
    page.goto(f"/outbound/{campaign.pk}/")
    expect(page.locator("#campaign-tasks")).to_contain_text("Всё устраивает")
    expect(page.locator("#campaign-tasks")).to_contain_text("Да")
    page.goto(f"/outbound/surveys/{org['survey'].pk}/summary/")
    expect(page.locator(".average")).to_have_text(re.compile(r"5"))
    expect(page.locator("figure.chart svg").first).to_be_visible()
    screenshot(page, "outbound-summary")
