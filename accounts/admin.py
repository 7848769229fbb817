"""The operator back office (/operator/): accounts and practices, never a child.

What the operator may do here, and what is deliberately left out:

* Child data is not registered: the admin would bypass children/access.py.
  Nor are the task queue's rows (their arguments and errors can carry
  details of an import).
* Accounts: read them, change a name, a phone, the language, whether the
  account is active and whether it is an operator. No account is created
  here (people sign up), no password is set for anyone (people use the
  emailed reset), an email address is not changed or marked verified here
  (people change their own, with verification), and no account is deleted
  (deactivate it instead).
* Practices: create and edit them, and invite a practice's administrator
  with a recorded reason. Staff are never added here: a practice's
  administrators invite them from the practice pages (accounts/staff.py).
* Two-step sign-in: see who has it, and remove a lost device; the secrets
  are never shown (and are encrypted at rest: accounts/adapter.py).
* Every change is an event in the chained access log, and on the page of
  each child whose viewers it changes (accounts.hooks.account_change).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult

from . import hooks, staff
from .forms import OperatorAdminInviteForm, PracticeForm
from .models import Practice, PracticeStaff, User
from .two_factor import SECOND_FACTORS

# Permission groups and the Sites table are not used by Homebase.
for _model in (Group, Site, EmailAddress, Authenticator, DBTaskResult):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete goes into the chained access log."""

    audit_what = "operator"

    def audit_users(self, obj: Any) -> list[Any]:
        return []

    def audit_practices(self, obj: Any) -> list[Any]:
        return []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with hooks.account_change(
            actor=request.user,
            verb="update" if change else "create",
            what=self.audit_what,
            target=obj,
            users=self.audit_users(obj) if change else [],
            changes=", ".join(form.changed_data) if change else "",
            **self.audit_details(obj, form),
        ):
            super().save_model(request, obj, form, change)

    def audit_details(self, obj: Any, form: Any) -> dict[str, Any]:
        """What the families' log says about the change (``form`` is None for a delete)."""
        return {}

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with hooks.account_change(
            actor=request.user,
            verb="delete",
            what=self.audit_what,
            target=obj,
            users=self.audit_users(obj),
            practices=self.audit_practices(obj),
            **self.audit_details(obj, None),
        ):
            super().delete_model(request, obj)

    def get_actions(
        self,
        request: HttpRequest,
        action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST,
    ) -> Any:
        # "Delete selected" would skip delete_model, and with it the log.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(User)
class UserAdmin(AuditedAdmin):
    audit_what = "operator: account"
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "two_step", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "name"]
    fields = [
        "email",
        "name",
        "phone",
        "language",
        "is_active",
        "is_staff",
        "is_superuser",
        "two_step",
        "practices",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["email", "two_step", "practices", "last_login", "date_joined"]

    @admin.display(description=gettext_lazy("Two-step sign-in"), boolean=True)
    def two_step(self, obj: User) -> bool:
        return Authenticator.objects.filter(user=obj, type__in=SECOND_FACTORS).exists()

    @admin.display(description=gettext_lazy("Practice staff"))
    def practices(self, obj: User) -> str:
        roles = obj.practice_roles.select_related("practice")
        return (
            format_html_join(
                ", ",
                "{} ({}{})",
                (
                    (
                        r.practice.name,
                        r.get_role_display(),
                        "" if r.is_active else _(", not active"),
                    )
                    for r in roles
                ),
            )
            or "—"
        )

    def audit_users(self, obj: Any) -> list[Any]:
        return [obj]

    def audit_details(self, obj: Any, form: Any) -> dict[str, Any]:
        flags = ("is_active", "is_staff", "is_superuser")
        changed = form.changed_data if form is not None else []
        return {"person": obj.email, **{f: getattr(obj, f) for f in flags if f in changed}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class PracticeStaffInline(admin.TabularInline):
    """Read only: staff join through invitations (accounts/staff.py)."""

    model = PracticeStaff
    fields = ("user", "role", "is_active")
    readonly_fields = ("user", "role", "is_active")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Practice)
class PracticeAdmin(AuditedAdmin):
    audit_what = "operator: practice"
    list_display = ["name", "phone", "accepts_medicaid"]
    search_fields = ["name"]
    form = PracticeForm  # the same fields and phone checks as the practice pages
    fields = [*PracticeForm.Meta.fields, "administrators"]
    readonly_fields = ["administrators"]
    inlines = [PracticeStaffInline]

    @admin.display(description=gettext_lazy("Administrators"))
    def administrators(self, obj: Practice) -> str:
        if obj.pk is None:
            return _("Save the practice, then invite its administrator.")
        admins = obj.staff.filter(role=PracticeStaff.Role.ADMIN, is_active=True)
        names = ", ".join(a.user.email for a in admins.select_related("user")) or _("none yet")
        url = reverse("admin:accounts_practice_invite_admin", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', names, url, _("Invite an administrator"))

    def audit_practices(self, obj: Any) -> list[Any]:
        return [obj]

    def audit_details(self, obj: Any, form: Any) -> dict[str, Any]:
        return {"practice": obj.name}

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """Counts only: Django would list each enrolled child by name."""
        _listed, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [str(obj) for obj in objs], counts, perms_needed, protected

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<path:object_id>/invite-admin/",
                self.admin_site.admin_view(self.invite_admin_view),
                name="accounts_practice_invite_admin",
            ),
            *super().get_urls(),
        ]

    def invite_admin_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The operator invites a practice's administrator, and says why."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        practice = get_object_or_404(Practice, pk=object_id)
        form = OperatorAdminInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                staff.staff_invite(
                    actor=request.user,  # type: ignore[arg-type]
                    practice=practice,
                    role=PracticeStaff.Role.ADMIN,
                    by_operator=True,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("admin:accounts_practice_change", practice.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite an administrator of %(name)s") % {"name": practice.name},
            "opts": self.opts,
            "original": practice,
            "form": form,
        }
        return TemplateResponse(request, "admin/accounts/practice/invite_admin.html", context)


@admin.register(Authenticator)
class AuthenticatorAdmin(AuditedAdmin):
    """Who has two-step sign-in; removing a lost device. Never the secret."""

    audit_what = "operator: two-step sign-in"
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = ("user", "type", "created_at", "last_used_at")

    def audit_details(self, obj: Any, form: Any) -> dict[str, Any]:
        return {"person": obj.user.email, "kind": obj.type}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    """Read only: people change and verify their own addresses."""

    list_display = ["email", "user", "primary", "verified"]
    list_filter = ["verified"]
    search_fields = ["email"]
    fields = ("email", "user", "primary", "verified")
    readonly_fields = ("email", "user", "primary", "verified")
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
