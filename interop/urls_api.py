"""The FHIR API under /fhir/, and the pages where people make tokens for it."""

from django.urls import path

from . import views_tokens
from .api import views as api

urlpatterns = [
    path("children/<uuid:child_id>/fhir-tokens/", views_tokens.tokens, name="tokens"),
    path(
        "children/<uuid:child_id>/fhir-tokens/<uuid:token_id>/stop/",
        views_tokens.token_revoke,
        name="token-revoke",
    ),
    path("fhir/metadata", api.metadata, name="api-metadata"),
    path("fhir/Patient/<str:resource_id>/$everything", api.everything, name="api-everything"),
    path("fhir/<str:resource_type>", api.search, name="api-search"),
    path("fhir/<str:resource_type>/<str:resource_id>", api.read, name="api-read"),
]
