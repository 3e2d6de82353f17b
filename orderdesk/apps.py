from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderdeskConfig(AppConfig):
    name = "orderdesk"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from orderdesk.security.sessions import mark_signed_in
        from orderdesk.security.two_factor import remember_devices

        user_logged_in.connect(mark_signed_in, dispatch_uid="orderdesk_idle_timeout")
        user_logged_in.connect(remember_devices, dispatch_uid="orderdesk_two_factor_devices")

        from orderdesk import localcache

        localcache.connect()  # version tokens read once per request

        from orderdesk import permissions

        permissions.connect()  # cached permission sets dropped on any change

        from orderdesk import log_choices

        log_choices.connect()  # the log filters' cached options dropped on any change

        from orderdesk import inbox_badge

        inbox_badge.connect()  # the header's cached inbox counts dropped on any change

        from orderdesk import presence

        presence.connect()  # the header's cached own presence dropped on any change
