from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """Django's admin, with the operator site of accounts/admin_site.py as ``admin.site``."""

    default_site = "accounts.admin_site.OperatorSite"
