"""Import/export of products and prices (django-import-export).

Rows are matched by natural keys (SKU; SKU + price column code), so importing
the same file twice updates instead of duplicating. Unknown categories, SKUs
and columns are row errors: an import never invents catalogue data.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from clients.resources import DateInputWidget, DecimalAmountWidget, LookupWidget, RowErrorResource
from orders.models import PriceColumn, Product, ProductCategory, ProductPrice


class UnitWidget(widgets.CharWidget):
    """A unit by its code (``kg``) or its label in any of the site's languages (``кг``)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        if not text:
            return None
        for code, label in Product.Unit.choices:
            if text == code.lower() or text in self._labels(label):
                return code
        raise ValueError(
            gettext("Unknown unit “%(value)s”; use one of: %(units)s.")
            % {"value": value, "units": ", ".join(Product.Unit.values)}
        )

    @staticmethod
    def _labels(label) -> set[str]:
        labels = set()
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels.add(str(label).lower())
        return labels


class ProductResource(RowErrorResource):
    """Columns: sku, name, category (name), unit, is_weighed, is_active, new_until, stock,
    shelf_life, description, certificate_info. Matched by SKU."""

    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=LookupWidget(
            ProductCategory,
            "name",
            unknown_message=_(
                "Unknown category “%(value)s”; add it under product categories first."
            ),
        ),
    )
    unit = fields.Field(
        attribute="unit", column_name="unit", widget=UnitWidget(), saves_null_values=False
    )
    is_weighed = fields.Field(
        attribute="is_weighed",
        column_name="is_weighed",
        widget=widgets.BooleanWidget(),
        saves_null_values=False,
    )
    is_active = fields.Field(
        attribute="is_active",
        column_name="is_active",
        widget=widgets.BooleanWidget(),
        saves_null_values=False,
    )
    new_until = fields.Field(
        attribute="new_until", column_name="new_until", widget=DateInputWidget()
    )
    stock = fields.Field(attribute="stock", column_name="stock", widget=DecimalAmountWidget())

    class Meta:
        model = Product
        fields = (
            "sku",
            "name",
            "category",
            "unit",
            "is_weighed",
            "is_active",
            "new_until",
            "stock",
            "shelf_life",
            "description",
            "certificate_info",
        )
        import_order = fields
        export_order = fields
        import_id_fields = ("sku",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Product.objects.select_related("category")

    def before_import_row(self, row, **kwargs):
        if "sku" in row and row["sku"] is not None:
            row["sku"] = str(row["sku"]).strip()


class ProductPriceResource(RowErrorResource):
    """Columns: sku, column (price column code), price. Matched by SKU + column."""

    sku = fields.Field(
        attribute="product",
        column_name="sku",
        widget=LookupWidget(Product, "sku", unknown_message=_("Unknown SKU “%(value)s”.")),
    )
    column = fields.Field(
        attribute="column",
        column_name="column",
        widget=LookupWidget(
            PriceColumn,
            "code",
            unknown_message=_("Unknown price column “%(value)s”; use a price column code."),
        ),
    )
    price = fields.Field(attribute="price", column_name="price", widget=DecimalAmountWidget())

    class Meta:
        model = ProductPrice
        fields = ("sku", "column", "price")
        import_order = fields
        export_order = fields
        import_id_fields = ("sku", "column")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return ProductPrice.objects.select_related("product", "column")
