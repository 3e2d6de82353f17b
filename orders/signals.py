"""Cache invalidation only: any change of a discount rule, its conditions or a price
column drops the cached rule book (``orders.pricing.forget_rules``). No business rule
lives here."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from orders.models import DiscountRule, PriceColumn
from orders.pricing import forget_rules


@receiver(post_save, sender=DiscountRule)
@receiver(post_delete, sender=DiscountRule)
@receiver(post_save, sender=PriceColumn)
@receiver(post_delete, sender=PriceColumn)
@receiver(m2m_changed, sender=DiscountRule.client_types.through)
@receiver(m2m_changed, sender=DiscountRule.clients.through)
@receiver(m2m_changed, sender=DiscountRule.categories.through)
@receiver(m2m_changed, sender=DiscountRule.products.through)
def rules_changed(**kwargs) -> None:
    forget_rules()
