"""The operator back office: accounts and practices only.

Child data is deliberately not registered: the admin would bypass
children/access.py.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site

from .models import Practice, PracticeStaff, User

# Permission groups and the Sites table are not used by Homebase.
admin.site.unregister(Group)
admin.site.unregister(Site)
admin.site.site_header = "Homebase operator"
admin.site.site_title = "Homebase operator"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "phone", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class PracticeStaffInline(admin.TabularInline):
    model = PracticeStaff
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "accepts_medicaid"]
    search_fields = ["name"]
    inlines = [PracticeStaffInline]
