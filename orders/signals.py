"""Cache invalidation only (no business rule lives here).

- Any change of a discount rule, its conditions or a price column drops the cached rule
  book (``orders.pricing.forget_rules``).
- Any change of a product, a price, a promotion (or its client types), a price column or
  a client type drops the cached upsell pools (``orders.upsell.forget_pools``).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from clients.models import ClientType
from orders.models import DiscountRule, PriceColumn, Product, ProductPrice, Promotion
from orders.pricing import forget_rules
from orders.upsell import forget_pools


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


@receiver(post_save, sender=Product)
@receiver(post_delete, sender=Product)
@receiver(post_save, sender=ProductPrice)
@receiver(post_delete, sender=ProductPrice)
@receiver(post_save, sender=Promotion)
@receiver(post_delete, sender=Promotion)
@receiver(m2m_changed, sender=Promotion.client_types.through)
@receiver(post_save, sender=PriceColumn)
@receiver(post_delete, sender=PriceColumn)
@receiver(post_save, sender=ClientType)
@receiver(post_delete, sender=ClientType)
def catalogue_changed(**kwargs) -> None:
    forget_pools()
