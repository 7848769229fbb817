from django.db import migrations


def seed(apps, schema_editor):
    # The head row must exist before the first event: creating it on demand
    # races when the first two events are written at once.
    AuditHead = apps.get_model("children", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("children", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
