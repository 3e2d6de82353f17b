from django import template

from calls import campaigns

register = template.Library()


@register.simple_tag
def outbound_brief(call):
    """The campaign's instructions and survey for an outbound call (``None`` for others)."""
    return campaigns.instructions_for(call)
