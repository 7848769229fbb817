"""The API's endpoints: plain views answering ``application/fhir+json``.

Sessions do not open the API (``api_view`` reads only the Bearer token), so
a page from another site cannot use a signed-in browser to read a record,
and the views are exempt from CSRF. Each page of results costs a fixed
number of queries: rows come with what ``to_fhir`` reads joined in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from functools import wraps
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from children import access
from children.audit import audit_record
from children.models import Child

from .. import mapping
from ..export import hide_unseen
from ..models import ApiToken
from . import params
from .kinds import KINDS, BadParameter, Kind
from .tokens import ALL, token_for, token_is_live, token_touch, types_of

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
FHIR_VERSION = "4.0.1"
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
Json = dict[str, Any]
View = Callable[..., HttpResponse]


class NotFound(Exception):
    """Nothing this token may see (404: never tells "not yours" from "not there")."""


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(data: Json, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_number)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome(
    status: int, code: str, text: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    issue = {"severity": "error", "code": code, "diagnostics": str(text)}
    return _json({"resourceType": "OperationOutcome", "issue": [issue]}, status, headers)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _unauthorized(given: bool) -> HttpResponse:
    challenge = 'Bearer realm="Homebase FHIR API"'
    if given:
        challenge += ', error="invalid_token"'
        text = _("This token does not work: it was stopped, it expired, or its access ended.")
    else:
        text = _("Send a personal access token in the header Authorization: Bearer <token>.")
    return outcome(401, "login", text, {"WWW-Authenticate": challenge})


def _not_get() -> HttpResponse:
    return outcome(405, "not-supported", _("This API only reads: use GET."), {"Allow": "GET, HEAD"})


def _bearer(request: HttpRequest) -> str:
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def api_view(view: View) -> View:
    """Authenticate the Bearer token, turn errors into OperationOutcomes, audit the call."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _not_get()
        raw = _bearer(request)
        token = token_for(raw) if raw else None
        if token is None:
            return _unauthorized(given=bool(raw))
        if not token_is_live(token):
            response = _unauthorized(given=True)
        else:
            try:
                response = view(request, token, *args, **kwargs)
            except NotFound as problem:
                response = outcome(404, "not-found", str(problem))
            except BadParameter as problem:
                response = outcome(400, "invalid", str(problem))
            token_touch(token)
        audit_record(
            actor=token.user,
            verb="api",
            child=token.child,
            what="FHIR API",
            path=request.get_full_path()[:1000],
            status=response.status_code,
            token=token.uuid,
        )
        return response

    return wrapper


# Resources and bundles ------------------------------------------------------


def _base(request: HttpRequest) -> str:
    """The API's base URL, ending in "/"."""
    return request.build_absolute_uri(reverse("fhir:api-metadata")).removesuffix("metadata")


def _resource(row: Model, token: ApiToken) -> Json:
    child = token.child
    if not isinstance(row, Child):
        row.child = child  # type: ignore[attr-defined]
    resource = hide_unseen(mapping.to_fhir(row), row, access.perms_for(token.user, child))
    meta = {"versionId": str(row.version), "lastUpdated": _instant(row.updated_at)}  # type: ignore[attr-defined]
    return {
        "resourceType": resource.pop("resourceType"),
        "id": resource.pop("id"),
        "meta": meta,
        **resource,
    }


def _link(request: HttpRequest, relation: str, page: params.Page, offset: int) -> Json:
    query = request.GET.copy()
    query["_count"] = str(page.count)
    query["_offset"] = str(offset)
    return {
        "relation": relation,
        "url": f"{request.build_absolute_uri(request.path)}?{query.urlencode()}",
    }


def _bundle(request: HttpRequest, resources: list[Json], total: int, page: params.Page) -> Json:
    links = [_link(request, "self", page, page.offset)]
    if page.count and page.offset:
        links.append(_link(request, "previous", page, max(page.offset - page.count, 0)))
    if page.count and page.offset + page.count < total:
        links.append(_link(request, "next", page, page.offset + page.count))
    base = _base(request)
    bundle: Json = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(timezone.now())},
        "type": "searchset",
        "total": total,
        "link": links,
    }
    if resources:
        bundle["entry"] = [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ]
    return bundle


def _kind(token: ApiToken, resource_type: str) -> Kind:
    kind = KINDS.get(resource_type)
    if kind is None:
        raise NotFound(_("Homebase does not serve %(type)s resources.") % {"type": resource_type})
    if resource_type not in types_of(token.scopes):
        raise NotFound(_("This token does not open %(type)s resources.") % {"type": resource_type})
    return kind


def _page_of(rows: QuerySet[Any], page: params.Page) -> list[Model]:
    return list(rows[page.offset : page.offset + page.count]) if page.count else []


# Endpoints ------------------------------------------------------------------


@api_view
def search(request: HttpRequest, token: ApiToken, resource_type: str) -> HttpResponse:
    kind = _kind(token, resource_type)
    asked = params.search_of(kind, request.GET, token.child)
    rows = kind.rows(token.child, token.user).filter(asked.where)
    total = rows.count()
    found = [_resource(row, token) for row in _page_of(rows, asked.page)]
    return _json(_bundle(request, found, total, asked.page))


@api_view
def read(
    request: HttpRequest, token: ApiToken, resource_type: str, resource_id: str
) -> HttpResponse:
    kind = _kind(token, resource_type)
    try:
        wanted = uuid.UUID(resource_id)
    except ValueError:
        wanted = None
    row = kind.rows(token.child, token.user).filter(uuid=wanted).first() if wanted else None
    if row is None:
        raise NotFound(
            _("There is no %(type)s/%(id)s this token may see.")
            % {"type": resource_type, "id": resource_id}
        )
    headers = {"ETag": f'W/"{row.version}"', "Last-Modified": http_date(row.updated_at.timestamp())}
    return _json(_resource(row, token), headers=headers)


@api_view
def everything(request: HttpRequest, token: ApiToken, resource_id: str) -> HttpResponse:
    """Every resource the token may see about the child, the Patient first, in pages."""
    child = token.child
    if resource_id != str(child.uuid):
        raise NotFound(_("There is no Patient/%(id)s this token may see.") % {"id": resource_id})
    since, types, page = params.everything_of(request.GET, KINDS)
    opened = types_of(token.scopes)
    chosen = [k for name, k in KINDS.items() if name in opened and (types is None or name in types)]
    sets = [kind.rows(child, token.user).filter(since) for kind in chosen]
    counts = [rows.count() for rows in sets]
    found: list[Json] = []
    start, stop, position = page.offset, page.offset + page.count, 0
    for rows, count in zip(sets, counts, strict=True):
        low, high = max(start - position, 0), min(stop - position, count)
        if low < high:
            found += [_resource(row, token) for row in rows[low:high]]
        position += count
    return _json(_bundle(request, found, sum(counts), page))


def _capability(request: HttpRequest) -> Json:
    resources = []
    for name, kind in KINDS.items():
        search_params = [{"name": "_id", "type": "token"}, {"name": "_lastUpdated", "type": "date"}]
        if kind.model is not Child:
            search_params += [
                {"name": "patient", "type": "reference"},
                {"name": "subject", "type": "reference"},
            ]
        search_params += [{"name": p, "type": spec.type} for p, spec in kind.params.items()]
        entry: Json = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": search_params,
        }
        if kind.model is Child:
            entry["operation"] = [{"name": "everything", "definition": EVERYTHING}]
        resources.append(entry)
    security = _(
        "Personal access tokens, made by a family member or a member of the care team in "
        "Homebase for one child: send Authorization: Bearer <token>. Scopes: %(all)s, or "
        "patient/<type>.read for one resource type. A token sees no more than the person "
        "who made it."
    ) % {"all": ALL}
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": _instant(timezone.now()),
        "publisher": "Homebase",
        "kind": "instance",
        "software": {"name": "Homebase"},
        "implementation": {"description": "Homebase FHIR API", "url": _base(request)},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": security},
                "resource": resources,
            }
        ],
    }


@csrf_exempt
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, it holds no one's data."""
    if request.method not in ("GET", "HEAD"):
        return _not_get()
    return _json(_capability(request))
