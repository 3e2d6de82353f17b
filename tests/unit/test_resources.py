"""CSV imports (django-import-export resources): a dry run reports each bad row with a
clear reason and writes nothing; a real run writes; the same file twice does not duplicate."""

from datetime import date
from decimal import Decimal

import pytest
import tablib

from clients.models import Client, ClientPhone, Receivable
from clients.resources import ClientResource, ReceivableResource
from orders.models import Product, ProductPrice
from orders.resources import ProductPriceResource, ProductResource
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    PriceColumnFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductPriceFactory,
    ReceivableFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def dataset(csv: str) -> tablib.Dataset:
    return tablib.Dataset().load(csv.strip() + "\n", format="csv")


def row_errors(result) -> dict[int, dict[str, list[str]]]:
    """{row number: {column: [messages]}} for every invalid row (numbers start at 1)."""
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    for number, row_errors_ in result.row_errors():
        errors[number] = {"__all__": [str(e.error) for e in row_errors_]}
    return errors


# --- products ------------------------------------------------------------------------

PRODUCTS_CSV = """
sku,name,category,unit,is_weighed,is_active,new_until,stock
G-001,Гречка ядрица 1 кг,Бакалея,pcs,0,1,31.12.2030,"1 200"
G-002,Сыр российский,Сыры,kg,1,1,,
G-003,Рис круглый 1 кг,Бакалея,PCS,,,2030-06-30,"15,5"
"""


def test_product_dry_run_reports_the_unknown_category_and_writes_nothing():
    ProductCategoryFactory(name="Бакалея")

    result = ProductResource().import_data(dataset(PRODUCTS_CSV), dry_run=True)

    assert result.has_validation_errors()
    assert row_errors(result) == {
        2: {"category": ["Unknown category “Сыры”; add it under product categories first."]}
    }
    assert not Product.objects.exists()


def test_product_import_writes_good_rows():
    ProductCategoryFactory(name="Бакалея")
    ProductCategoryFactory(name="Сыры")

    result = ProductResource().import_data(dataset(PRODUCTS_CSV), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    buckwheat = Product.objects.get(sku="G-001")
    assert buckwheat.category.name == "Бакалея"
    assert buckwheat.new_until == date(2030, 12, 31)
    assert buckwheat.stock == Decimal("1200")
    assert Product.objects.get(sku="G-002").is_weighed is True
    rice = Product.objects.get(sku="G-003")
    assert rice.unit == Product.Unit.PIECE
    assert rice.stock == Decimal("15.5")
    assert rice.is_active is True  # blank keeps the default


def test_product_import_twice_updates_instead_of_duplicating():
    ProductCategoryFactory(name="Бакалея")
    ProductCategoryFactory(name="Сыры")
    ProductResource().import_data(dataset(PRODUCTS_CSV), dry_run=False)

    again = ProductResource().import_data(dataset(PRODUCTS_CSV), dry_run=False)

    assert Product.objects.count() == 3
    assert again.totals["new"] == 0
    assert again.totals["skip"] == 3


def test_product_import_refuses_an_unknown_unit():
    ProductCategoryFactory(name="Бакалея")
    csv = "sku,name,category,unit\nG-9,Мука,Бакалея,bag\n"

    result = ProductResource().import_data(dataset(csv), dry_run=True)

    assert row_errors(result) == {
        1: {"unit": ["Unknown unit “bag”; use one of: pcs, kg, box, pack, l."]}
    }


# --- prices --------------------------------------------------------------------------


def prices_csv():
    return """
sku,column,price
G-001,base,"1 250,50"
G-001,vip,-10
G-404,base,99.90
G-002,nope,10
"""


@pytest.fixture
def catalogue():
    PriceColumnFactory(code="base")
    PriceColumnFactory(code="vip")
    return ProductFactory(sku="G-001"), ProductFactory(sku="G-002")


def test_price_dry_run_reports_each_bad_row_and_writes_nothing(catalogue):
    result = ProductPriceResource().import_data(dataset(prices_csv()), dry_run=True)

    assert row_errors(result) == {
        2: {"price": ["“-10” is negative; it must be zero or more."]},
        3: {"sku": ["Unknown SKU “G-404”."]},
        4: {"column": ["Unknown price column “nope”; use a price column code."]},
    }
    assert not ProductPrice.objects.exists()


def test_price_import_writes_and_updates_by_sku_and_column(catalogue):
    buckwheat, _cheese = catalogue
    ProductPriceFactory(product=buckwheat, column__code="vip", price=Decimal("900.00"))
    csv = 'sku,column,price\nG-001,base,"1 250,50"\nG-001,vip,1100.00\nG-002,base,10\n'

    result = ProductPriceResource().import_data(dataset(csv), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 2
    assert result.totals["update"] == 1
    prices = {(p.product.sku, p.column.code): p.price for p in ProductPrice.objects.all()}
    assert prices == {
        ("G-001", "base"): Decimal("1250.50"),
        ("G-001", "vip"): Decimal("1100.00"),
        ("G-002", "base"): Decimal("10"),
    }
    assert isinstance(prices[("G-001", "base")], Decimal)


def test_price_import_twice_does_not_duplicate(catalogue):
    csv = "sku,column,price\nG-001,base,100\nG-002,vip,200\n"
    ProductPriceResource().import_data(dataset(csv), dry_run=False)

    again = ProductPriceResource().import_data(dataset(csv), dry_run=False)

    assert ProductPrice.objects.count() == 2
    assert again.totals["skip"] == 2


def test_price_import_is_recorded_in_the_history(catalogue):
    buckwheat, _cheese = catalogue
    price = ProductPriceFactory(product=buckwheat, column__code="base", price=Decimal("100"))

    ProductPriceResource().import_data(dataset("sku,column,price\nG-001,base,120\n"))

    old, new = price.history.order_by("history_date")[:2]
    assert (old.price, new.price) == (Decimal("100.00"), Decimal("120.00"))


# --- clients -------------------------------------------------------------------------

CLIENTS_CSV = """
name,type,manager,credit_limit,payment_terms_days,region,phones
ООО «Ромашка»,retail,ivanov,"50 000,00",14,Москва,8 (495) 100-00-01; +7 916 100-00-02
ИП Петров,retail,,,,Тверь,8 (495) 12
ООО «Лютик»,horeca,ivanov,0,7,Москва,+74951000003
"""


@pytest.fixture
def directory():
    ClientTypeFactory(code="retail")
    ClientTypeFactory(code="horeca")
    return UserFactory(username="ivanov")


def test_client_dry_run_reports_the_malformed_phone_and_writes_nothing(directory):
    result = ClientResource().import_data(dataset(CLIENTS_CSV), dry_run=True)

    assert row_errors(result) == {2: {"phones": ["“8 (495) 12” is not a phone number."]}}
    assert not Client.objects.exists()
    assert not ClientPhone.objects.exists()


def test_client_import_writes_clients_with_normalised_phones(directory):
    csv = CLIENTS_CSV.replace("8 (495) 12", "+7 (4822) 33-44-55")

    result = ClientResource().import_data(dataset(csv), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    romashka = Client.objects.get(name="ООО «Ромашка»")
    assert romashka.manager == directory
    assert romashka.credit_limit == Decimal("50000.00")
    assert sorted(p.number.as_e164 for p in romashka.phones.all()) == [
        "+74951000001",
        "+79161000002",
    ]
    petrov = Client.objects.get(name="ИП Петров")
    assert petrov.credit_limit is None  # blank: no limit
    assert petrov.manager is None
    assert petrov.payment_terms_days == 0
    assert Client.objects.get(name="ООО «Лютик»").credit_limit == Decimal("0")


def test_client_import_twice_does_not_duplicate(directory):
    csv = CLIENTS_CSV.replace("8 (495) 12", "+7 (4822) 33-44-55")
    ClientResource().import_data(dataset(csv), dry_run=False)

    again = ClientResource().import_data(dataset(csv), dry_run=False)

    assert Client.objects.count() == 3
    assert ClientPhone.objects.count() == 4
    assert again.totals["new"] == 0


def test_client_import_updates_the_owner_of_a_phone_and_adds_new_phones(directory):
    client = ClientFactory(name="Старое имя", phone="+74951000001", credit_limit=Decimal("1"))
    csv = (
        "name,type,manager,credit_limit,payment_terms_days,region,phones\n"
        "Новое имя,retail,,2000,10,Москва,84951000001;89161000009\n"
    )

    ClientResource().import_data(dataset(csv), dry_run=False)

    client.refresh_from_db()
    assert client.name == "Новое имя"
    assert client.credit_limit == Decimal("2000")
    assert sorted(p.number.as_e164 for p in client.phones.all()) == ["+74951000001", "+79161000009"]
    assert Client.objects.count() == 1


def test_client_import_reports_unknown_type_manager_and_a_phone_of_another_client(directory):
    ClientFactory(name="Чужой", phone="+74951000001")
    ClientFactory(name="Свой", phone="+74951000002")
    csv = (
        "name,type,manager,credit_limit,payment_terms_days,region,phones\n"
        "А,wholesale,,,,,+74951000005\n"
        "Б,retail,petrov,,,,+74951000006\n"
        "В,retail,,-5,,,+74951000007\n"
        "Г,retail,,,,,\n"
        "Свой,retail,,,,,+74951000002;+74951000001\n"
    )

    result = ClientResource().import_data(dataset(csv), dry_run=True)

    errors = row_errors(result)
    assert errors[1] == {"type": ["Unknown client type “wholesale”; use a client type code."]}
    assert errors[2] == {"manager": ["Unknown manager “petrov”; use a user name."]}
    assert errors[3] == {"credit_limit": ["“-5” is negative; it must be zero or more."]}
    assert "phones" in errors[4]
    assert errors[5] == {"phones": ["+74951000001 already belongs to “Чужой”."]}
    assert Client.objects.count() == 2


def test_client_export_lists_phones_in_one_column(directory):
    ClientFactory(name="Экспорт", phone="+74951000001")

    exported = ClientResource().export()

    assert exported.headers == [
        "id",
        "name",
        "type",
        "manager",
        "credit_limit",
        "payment_terms_days",
        "region",
        "phones",
    ]
    assert exported.dict[0]["phones"] == "+74951000001"


# --- receivables ---------------------------------------------------------------------


def receivables_csv(client):
    return f"""
client,document_no,document_date,due_date,amount,paid_amount
8 (495) 100-00-01,РН-1,01.03.2025,15.03.2025,"10 000,00",
{client.pk},РН-2,2025-03-02,2025-03-16,500.00,100
+7 495 999-99-99,РН-3,2025-03-02,2025-03-16,500.00,
{client.pk},РН-4,2025-03-02,2025-03-16,500.00,600
"""


@pytest.fixture
def debtor():
    return ClientFactory(name="Должник", phone="+74951000001")


def test_receivable_dry_run_reports_bad_rows_and_writes_nothing(debtor):
    result = ReceivableResource().import_data(dataset(receivables_csv(debtor)), dry_run=True)

    assert row_errors(result) == {
        3: {"client": ["No client has the phone +7 495 999-99-99."]},
        4: {"paid_amount": ["Paid 600 is more than the amount 500.00."]},
    }
    assert not Receivable.objects.exists()


def test_receivable_import_writes_and_reimport_updates(debtor):
    csv = "\n".join(receivables_csv(debtor).strip().splitlines()[:3])
    result = ReceivableResource().import_data(dataset(csv), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    first = Receivable.objects.get(document_no="РН-1")
    assert first.client == debtor
    assert first.amount == Decimal("10000.00")
    assert first.paid_amount == Decimal("0")
    assert first.document_date == date(2025, 3, 1)

    paid = csv.replace("500.00,100", "500.00,500")
    again = ReceivableResource().import_data(dataset(paid), dry_run=False)

    assert Receivable.objects.count() == 2
    assert again.totals["update"] == 1
    assert again.totals["skip"] == 1
    assert Receivable.objects.get(document_no="РН-2").paid_amount == Decimal("500")


def test_receivable_import_refuses_a_bad_date_and_an_unknown_client_id(debtor):
    ReceivableFactory(client=debtor, document_no="РН-7")
    csv = (
        "client,document_no,document_date,due_date,amount,paid_amount\n"
        f"{debtor.pk},РН-8,31/02/2025,2025-03-16,1,0\n"
        "999999,РН-9,2025-03-02,2025-03-16,1,0\n"
    )

    result = ReceivableResource().import_data(dataset(csv), dry_run=True)

    assert row_errors(result) == {
        1: {"document_date": ["“31/02/2025” is not a date; write 2025-03-31 or 31.03.2025."]},
        2: {"client": ["No client with id 999999."]},
    }
