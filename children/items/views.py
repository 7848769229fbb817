"""The shared list / add / edit / delete pages of every kind of child item.

What differs between kinds is in their ``Kind`` (``kinds.py``); these views
authorize through ``load_child`` and ``access``, read through
``access.child_rows`` and write through the item services (or the kind's own).
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from children import access
from children.audit import audit_record
from children.models import Child
from children.services import ConcurrentEdit, item_create, item_delete, item_update
from children.viewutils import child_context, htmx_or_full, load_child

from .kinds import Kind
from .sources import sources

PAGE_SIZE = 25


def _save_new(k: Kind, request: HttpRequest, child: Child, form: Any) -> Any:
    item = form.save(commit=False)
    item.child = child
    if k.saver:
        return k.saver(actor=request.user, child=child, item=item, version=None, form=form)
    return item_create(actor=request.user, child=child, item=item)


def _save_existing(k: Kind, request: HttpRequest, child: Child, form: Any) -> Any:
    item = form.save(commit=False)
    version = form.cleaned_data["version"]
    if k.saver:
        return k.saver(actor=request.user, child=child, item=item, version=version, form=form)
    return item_update(actor=request.user, item=item, version=version)


@login_required
@require_safe
def item_list(request: HttpRequest, child_id: UUID, kind: Kind) -> HttpResponse:
    k = kind
    child = load_child(request, child_id, access.view_perms(k.model), what=f"{k.slug} list")
    items = access.child_rows(child, k.model, request.user)
    if k.select_related:
        items = items.select_related(*k.select_related)
    query = request.GET.get("q", "").strip()[:100]
    if query and k.search:
        match = Q()
        for name in k.search:
            match |= Q(**{f"{name}__icontains": query})
        items = items.filter(match)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    found = sources(child, list(page))
    rows = [
        (
            item,
            [(c.label, c.value(item)) for c in k.columns],
            k.row_class(item) if k.row_class else "",
            found.get(item.uuid),  # type: ignore[attr-defined]
        )
        for item in page
    ]
    context = child_context(
        request,
        kind=k,
        page=page,
        rows=rows,
        query=query,
        can_edit=access.edit_perm(k.model) in request.child_perms,  # type: ignore[attr-defined]
    )
    return render(
        request, htmx_or_full(request, "children/items/item_list.html", "item-table"), context
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_create_view(request: HttpRequest, child_id: UUID, kind: Kind) -> HttpResponse:
    k = kind
    child = load_child(request, child_id, access.edit_perm(k.model), what=f"{k.slug} add form")
    form = k.form(request.POST or None, request.FILES or None, user=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        item = _save_new(k, request, child, form)
        messages.success(request, _("Saved: %(item)s.") % {"item": item})
        if "add_another" in request.POST:
            return redirect(reverse(f"{k.view_name}-create", args=[child.uuid]))
        return redirect(reverse(f"{k.view_name}-list", args=[child.uuid]))
    return render(
        request,
        "children/items/item_form.html",
        child_context(request, kind=k, form=form, item=None),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_update_view(
    request: HttpRequest, child_id: UUID, kind: Kind, item_id: UUID
) -> HttpResponse:
    k = kind
    child = load_child(request, child_id, access.edit_perm(k.model))
    item = access.get_item(child, k.model, item_id)
    if request.method == "GET":
        audit_record(
            actor=request.user, verb="view", child=child, what=f"{k.slug} edit form", target=item
        )
    form = k.form(request.POST or None, instance=item, user=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        try:
            item = _save_existing(k, request, child, form)
        except ConcurrentEdit:
            form.stale_version_error()
        else:
            messages.success(request, _("Saved: %(item)s.") % {"item": item})
            return redirect(reverse(f"{k.view_name}-list", args=[child.uuid]))
    context = child_context(
        request, kind=k, form=form, item=item, source=sources(child, [item]).get(item.uuid)
    )
    return render(request, "children/items/item_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def item_delete_view(
    request: HttpRequest, child_id: UUID, kind: Kind, item_id: UUID
) -> HttpResponse:
    k = kind
    child = load_child(request, child_id, access.edit_perm(k.model))
    item = access.get_item(child, k.model, item_id)
    if request.method == "POST":
        label = str(item)
        (k.deleter or item_delete)(actor=request.user, item=item)
        messages.success(request, _("Deleted: %(item)s.") % {"item": label})
        return redirect(reverse(f"{k.view_name}-list", args=[child.uuid]))
    audit_record(
        actor=request.user, verb="view", child=child, what=f"{k.slug} delete form", target=item
    )
    return render(
        request,
        "children/items/item_confirm_delete.html",
        child_context(request, kind=k, item=item),
    )
