from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderdeskConfig(AppConfig):
    name = "orderdesk"
    verbose_name = _("Organisation")
