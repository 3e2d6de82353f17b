"""Russian cases in the admin's titles (issue 12).

Django's admin puts a model's verbose name into phrases that need the accusative case in
Russian ("Выберите %s для изменения", "Добавить %s", "Изменить %s"), so a feminine or animate
name reads wrong ("Выберите цена для изменения", "ДОБАВИТЬ ЦЕНА"). The nominative verbose name
stays (other admin messages need it); these admins take the accusative from the catalogue
under the context "accusative" (``pgettext("accusative", "price")`` → "цену") for the list,
add and change titles and the add button (templates/admin/change_list_object_tools.html).
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


class AccusativeTitlesMixin:
    def accusative_name(self) -> str:
        with translation.override(None):
            msgid = str(self.model._meta.verbose_name)
        return pgettext("accusative", msgid)

    def changelist_view(self, request, extra_context=None):
        name = self.accusative_name()
        title = _("Select %s to change") if self.has_change_permission(request) else None
        extra = {"add_label": _("Add %s") % name}
        if title:
            extra["title"] = title % name
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        extra = {"title": _("Add %s") % self.accusative_name()}
        return super().add_view(request, form_url, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if self.has_change_permission(request):
            extra["title"] = _("Change %s") % self.accusative_name()
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
