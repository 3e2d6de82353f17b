"""Price lists for the caller, as CSV (spreadsheets) or PDF (print and "fax")."""

import csv
import io
from pathlib import Path

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from clients.models import Client
from orderdesk.exports import escape_row
from orders.models import Product
from orders.selectors import price_column_for, price_list_rows

FONTS = Path(__file__).resolve().parent.parent / "orderdesk" / "fonts"


def _unit(code: str) -> str:
    return Product.Unit(code).label if code in Product.Unit.values else code


def price_list_csv(client: Client | None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("SKU"), _("Product"), _("Category"), _("Unit"), _("Price, ₽")])
    for row in price_list_rows(client):
        cells = [row.sku, row.name, row.category, _unit(row.unit), f"{row.price:.2f}"]
        writer.writerow(escape_row(cells))
    # BOM so that spreadsheet programs read the Cyrillic text as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def price_list_pdf(client: Client | None) -> bytes:
    """An A4 price list grouped by category, in a font with Cyrillic (DejaVu, vendored)."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    column = price_column_for(client)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(
        0, 8, _("Price list of %(date)s") % {"date": timezone.localdate().strftime("%d.%m.%Y")}
    )
    pdf.ln(9)
    pdf.set_font("DejaVu", "", 10)
    who = client.name if client else _("Base prices")
    pdf.cell(0, 6, f"{who} · {column.name if column else ''}")
    pdf.ln(9)
    widths = (28, 112, 18, 32)
    category = None
    for row in price_list_rows(client):
        if row.category != category:
            category = row.category
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(0, 7, category, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 9)
        price = _("%(amount)s ₽") % {"amount": number_format(row.price, 2, force_grouping=True)}
        cells = (row.sku, row.name, _unit(row.unit), price)
        for width, text, align in zip(widths, cells, ("L", "L", "L", "R"), strict=True):
            pdf.cell(width, 5.5, text[:70], border="B", align=align)
        pdf.ln(5.5)
    return bytes(pdf.output())
