import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0004_fill_plan_share_link_uuid"),
    ]

    operations = [
        migrations.AlterField(
            model_name="plansharelink",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
