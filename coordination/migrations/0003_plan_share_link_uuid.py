# A public uuid for plan share links, so URLs never carry an integer id.
# Added without the unique constraint first (Django's recipe for a unique field
# on a table that may have rows): 0004 gives each row its own value, 0005 adds
# the constraint.

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0002_plan_meetings_messages_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="plansharelink",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, null=True),
        ),
    ]
