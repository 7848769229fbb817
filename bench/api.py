"""`$everything` on the heavy record through the FHIR API, with a personal access token.

Times the first page (the default page size) and a full-size page (``_count=200``),
request by request, the way an app reading the record would start; queries are
counted to show they do not grow with the record.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interop.api.tokens import token_create


def measure(owner: Any, child: Any, small: Any, requests: int) -> list[dict[str, Any]]:
    results = []
    _token, raw = token_create(actor=owner, child=child, name="bench", scopes=["patient/*.read"])
    _small_token, small_raw = token_create(
        actor=owner, child=small, name="bench", scopes=["patient/*.read"]
    )
    client = Client()
    for label, query in (("first page", ""), ("_count=200", "?_count=200")):
        url = reverse("fhir:api-everything", args=[child.uuid]) + query
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        for _ in range(10):
            assert client.get(url, **headers).status_code == 200
        taken = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, **headers)
            taken.append(time.perf_counter() - started)
            assert response.status_code == 200
        taken.sort()
        with CaptureQueriesContext(connection) as ctx:
            bundle = client.get(url, **headers).json()
        small_url = reverse("fhir:api-everything", args=[small.uuid]) + query
        with CaptureQueriesContext(connection) as small_ctx:
            client.get(small_url, HTTP_AUTHORIZATION=f"Bearer {small_raw}")
        results.append(
            {
                "name": f"FHIR $everything, heavy record ({label})",
                "rps": round(len(taken) / sum(taken), 1),
                "p50_ms": round(statistics.median(taken) * 1000, 2),
                "p95_ms": round(taken[round(0.95 * (len(taken) - 1))] * 1000, 2),
                "queries": len(ctx.captured_queries),
                "queries_small_record": len(small_ctx.captured_queries),
                "resources_total": bundle.get("total"),
                "resources_in_page": len(bundle.get("entry", [])),
            }
        )
    return results
