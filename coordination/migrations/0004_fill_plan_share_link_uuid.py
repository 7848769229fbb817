# Data: each existing plan share link gets its own uuid.

import uuid

from django.db import migrations


def fill(apps, schema_editor):
    PlanShareLink = apps.get_model("coordination", "PlanShareLink")
    for link in PlanShareLink.objects.all().only("pk").iterator():
        PlanShareLink.objects.filter(pk=link.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0003_plan_share_link_uuid"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
