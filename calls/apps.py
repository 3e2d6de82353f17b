from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self):
        from calls import rollup

        rollup.connect_signals()  # a change of a closed day invalidates its roll-up
