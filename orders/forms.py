"""Admin forms for the catalogue and orders: parse and validate input only."""

from functools import cached_property, partial

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Contact, DeliveryAddress
from orders.models import DiscountRule, Order, Product, UpsellOffer
from orders.pricing import conflicting_rules


class DiscountRuleAdminForm(forms.ModelForm):
    """Refuses a rule that says nothing, says two things, or could tie with another rule."""

    class Meta:
        model = DiscountRule
        fields = [
            "name",
            "priority",
            "is_active",
            "valid_from",
            "valid_to",
            "client_types",
            "clients",
            "categories",
            "products",
            "min_order_amount",
            "min_quantity",
            "price_column",
            "discount_percent",
        ]

    def clean(self):
        cleaned = super().clean()
        column = cleaned.get("price_column")
        percent = cleaned.get("discount_percent")
        if column is None and percent is None and "discount_percent" not in self.errors:
            self.add_error(
                "price_column",
                _("Choose a price column to switch to, or give a discount percent."),
            )
        elif column is not None and percent is not None:
            self.add_error(
                "discount_percent",
                _("Either switch the price column or give a discount percent, not both."),
            )
        if percent is not None and not (0 < percent < 100):
            self.add_error("discount_percent", _("A discount is more than 0 and less than 100%."))
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The rule cannot end before it starts."))
        self._refuse_conflicts(cleaned)
        return cleaned

    def _refuse_conflicts(self, cleaned):
        needed = ("priority", "valid_from", "valid_to", "client_types", "clients")
        needed += ("categories", "products")
        if any(name in self.errors for name in needed) or cleaned.get("priority") is None:
            return
        conflicts = conflicting_rules(
            exclude_id=self.instance.pk,
            priority=cleaned["priority"],
            is_active=cleaned.get("is_active", False),
            valid_from=cleaned.get("valid_from"),
            valid_to=cleaned.get("valid_to"),
            client_types=cleaned.get("client_types") or (),
            clients=cleaned.get("clients") or (),
            categories=cleaned.get("categories") or (),
            products=cleaned.get("products") or (),
        )
        for rule in conflicts:
            self.add_error(
                None,
                _(
                    "Rule «%(rule)s» has the same priority and could match the same lines; "
                    "change the priority or narrow the conditions."
                )
                % {"rule": rule.name},
            )


class OrderAdminForm(forms.ModelForm):
    """An order's address and receiver come from its own client. The status is not edited
    here: it moves only through orders.services.change_status (admin actions), which
    re-runs the debt gate where exposure grows."""

    class Meta:
        model = Order
        # What may be fixed after the call; the rest is shown read-only.
        fields = [
            "delivery_date",
            "delivery_window",
            "delivery_address",
            "receiver",
            "pickup_arrival",
            "shipping_details",
            "payment_documents",
            "comment",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        client_id = self.instance.client_id
        if "delivery_address" in self.fields:
            self.fields["delivery_address"].queryset = DeliveryAddress.objects.filter(
                client_id=client_id
            )
        if "receiver" in self.fields:
            self.fields["receiver"].queryset = Contact.objects.filter(client_id=client_id)


class OrderActionForm(ActionForm):
    """The admin's action bar for orders: "Cancel" records the reason typed here."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (for cancelling)"), max_length=200, required=False
    )


# --- order entry in the console: parse input only; orders.services decides ------------------


class AddLineForm(forms.Form):
    """A product id and a quantity; the server prices, so no price is ever read."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("That product does not exist.")},
    )
    quantity = forms.CharField(max_length=32)


class LineForm(forms.Form):
    quantity = forms.CharField(max_length=32, required=False)
    remove = forms.BooleanField(required=False)


class OfferAnswerForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("That product does not exist.")},
    )
    reason = forms.ChoiceField(choices=UpsellOffer.Reason.choices)
    response = forms.ChoiceField(
        choices=[
            (UpsellOffer.Response.ACCEPTED, UpsellOffer.Response.ACCEPTED.label),
            (UpsellOffer.Response.DECLINED, UpsellOffer.Response.DECLINED.label),
        ]
    )


class DeliveryForm(forms.Form):
    fulfilment = forms.ChoiceField(
        label=gettext_lazy("How the goods travel"),
        choices=Order.Fulfilment.choices,
        widget=forms.RadioSelect,
    )
    delivery_date = forms.DateField(
        label=gettext_lazy("Delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    delivery_window = forms.ChoiceField(label=gettext_lazy("Time window"), required=False)
    far_ahead_confirmed = forms.BooleanField(
        label=gettext_lazy("The client confirms this date"), required=False
    )
    delivery_address = forms.ModelChoiceField(
        label=gettext_lazy("Address"), queryset=DeliveryAddress.objects.none(), required=False
    )
    receiver = forms.ModelChoiceField(
        label=gettext_lazy("Receiver (must be present)"),
        queryset=Contact.objects.none(),
        required=False,
    )
    payment_form = forms.ChoiceField(
        label=gettext_lazy("Payment"), choices=Order.PaymentForm.choices
    )
    payment_documents = forms.CharField(
        label=gettext_lazy("Documents"), max_length=200, required=False
    )
    pickup_arrival = forms.DateTimeField(
        label=gettext_lazy("Client's transport arrives"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    shipping_details = forms.CharField(
        label=gettext_lazy("Shipping: carrier, consignee, address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, client, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery_address"].queryset = client.addresses.all()
        self.fields["receiver"].queryset = client.contacts.filter(can_receive_goods=True)
        # The options are rendered from the lists below, read once and only when shown (the
        # proposed terms pick from the same lists); the querysets validate what is posted.
        self.fields["delivery_address"].choices = partial(self._options, "delivery_address")
        self.fields["receiver"].choices = partial(self._options, "receiver")
        self.fields["delivery_window"].choices = [("", "—"), *((w, w) for w in windows)]
        if not client.client_type.is_regional:
            self.fields["fulfilment"].choices = [
                c for c in Order.Fulfilment.choices if c[0] == Order.Fulfilment.DELIVERY
            ]

    @cached_property
    def addresses(self) -> list:
        return list(self.fields["delivery_address"].queryset)

    @cached_property
    def receivers(self) -> list:
        return list(self.fields["receiver"].queryset)

    def _options(self, name: str) -> list:
        field = self.fields[name]
        rows = self.addresses if name == "delivery_address" else self.receivers
        label = field.label_from_instance
        return [("", field.empty_label), *((row.pk, label(row)) for row in rows)]


class AcceptForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # The total read back to the client (required: no acceptance without the read-back);
    # acceptance refuses if prices changed since.
    expected_total = forms.DecimalField(
        max_digits=14, decimal_places=2, required=True, widget=forms.HiddenInput
    )


class ConfirmationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))


# --- the order page (after acceptance) ---------------------------------------------------


class OrderStatusForm(forms.Form):
    """Move a placed order along: the status wanted, a reason to cancel, an arrival window."""

    status = forms.ChoiceField(
        choices=[c for c in Order.Status.choices if c[0] != Order.Status.DRAFT]
    )
    reason = forms.CharField(required=False, max_length=500, strip=True)
    arrival_from = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    arrival_to = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ArrivalForm(forms.Form):
    """The expected arrival window told to the consignee."""

    arrival_from = forms.DateTimeField(
        label=gettext_lazy("Arrives from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    arrival_to = forms.DateTimeField(
        label=gettext_lazy("until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class AcceptedLineForm(forms.Form):
    """A new quantity for a line of a placed order (parsed by the service)."""

    quantity = forms.CharField(max_length=20)
