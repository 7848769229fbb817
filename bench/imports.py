"""Import throughput of the shared Synthea bundles, against the floor for the same data.

* **Homebase**: ``read_upload`` (parse, validate every resource with
  fhir.resources R4B, refuse STU3/R5) → ``plan_import`` (references, mapping,
  de-duplication, add/update/skip against what was imported before) →
  ``apply_import`` (one transaction, provenance links, audit).
* **Floor**: what any importer of the same data must do at least: parse and
  validate the Bundle with fhir.resources (``Bundle.model_validate`` on the parsed JSON), map
  each resource with ``interop.mapping.from_fhir_many`` and ``bulk_create`` the rows.

Each patient bundle is imported with the two "information" bundles its
conditional references point into (counted in the resources). Peak memory is
traced (``tracemalloc``) in a separate pass, so tracing does not slow the timed one.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction

from children import services as child_services
from children.models import Child
from interop import mapping
from interop.importer import apply_import, plan_import
from interop.reader import read_upload

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fhir"
SKIP_IN_FLOOR = frozenset(
    {"Patient", "Practitioner", "PractitionerRole", "Organization", "CareTeam"}
)


def bundles() -> tuple[list[Path], list[Path]]:
    synthea = DATA / "synthea"
    info = sorted(synthea.glob("0-*.json"))
    patients = sorted(p for p in synthea.glob("*.json") if p not in info)
    return patients, info


def _homebase(owner: Any, files: list[bytes]) -> int:
    uploads = [read_upload(data) for data in files]
    plan = plan_import(uploads, child=None)
    apply_import(plan, actor=owner)
    return sum(len(u.entries) for u in uploads)


def _floor(owner: Any, files: list[bytes]) -> int:
    from fhir.resources.R4B.bundle import Bundle

    count = 0
    rows: dict[type, list[Any]] = defaultdict(list)
    with transaction.atomic():
        child = child_services.child_create(
            actor=owner, child=Child(first_name="Floor", last_name="Child", birth_date="2015-01-01")
        )
        for data in files:
            document = json.loads(data)
            Bundle.model_validate(document)  # validation; the mapping reads the plain dict
            for entry in document.get("entry") or []:
                count += 1
                resource = entry["resource"]
                if resource["resourceType"] in SKIP_IN_FLOOR:
                    continue
                for mapped in mapping.from_fhir_many(resource):
                    if mapped.model.__name__ in ("Goal", "CarePlan", "Document"):
                        continue
                    rows[mapped.model].append(
                        mapped.model(child=child, created_by=owner, **mapped.fields)
                    )
        for model, items in rows.items():
            model._default_manager.bulk_create(items, batch_size=500)
    return count


def measure(owner: Any) -> list[dict[str, Any]]:
    patients, info = bundles()
    info_bytes = [p.read_bytes() for p in info]
    timed: dict[str, list[tuple[int, float]]] = {"homebase": [], "floor": []}
    for path in patients:
        files = [path.read_bytes(), *info_bytes]
        for name, run in (("floor", _floor), ("homebase", _homebase)):
            started = time.perf_counter()
            resources = run(owner, files)
            timed[name].append((resources, time.perf_counter() - started))
    largest = max(patients, key=lambda p: p.stat().st_size)
    peaks = {}
    for name, run in (("floor", _floor), ("homebase", _homebase)):
        tracemalloc.start()
        run(owner, [largest.read_bytes(), *info_bytes])
        peaks[name] = tracemalloc.get_traced_memory()[1] / 1_048_576
        tracemalloc.stop()
    results = []
    for name in ("floor", "homebase"):
        total = sum(n for n, _s in timed[name])
        seconds = sum(s for _n, s in timed[name])
        results.append(
            {
                "name": f"FHIR import, {len(patients)} Synthea bundles ({name})",
                "resources": total,
                "resources_per_s": round(total / seconds),
                "median_bundle_s": round(statistics.median(s for _n, s in timed[name]), 3),
                "peak_traced_mb": round(peaks[name], 1),
                "largest_bundle": largest.name,
            }
        )
    floor, ours = results
    ours["ratio_to_floor"] = round(ours["resources_per_s"] / floor["resources_per_s"], 2)
    return results
