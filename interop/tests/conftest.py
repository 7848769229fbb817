from typing import Any

import pytest

from records.models import Condition, Coverage

from .record_factory import full_record


@pytest.fixture
def world(cast: dict[str, Any]) -> dict[str, Any]:
    """The cast, with every exported type on the child and a little on another child."""
    rows = full_record(cast["child"], cast["owner"])
    rows["elsewhere"] = Condition.objects.create(child=cast["other_child"], name="Other's cold")
    rows["elsewhere_coverage"] = Coverage.objects.create(
        child=cast["other_child"], payer="Other plan", member_id="X"
    )
    return {**cast, "rows": rows}
