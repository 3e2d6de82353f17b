"""Small pieces the apps' admin classes share."""


class ReadOnlyAdminMixin:
    """A record of what happened: shown, never added, edited or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
