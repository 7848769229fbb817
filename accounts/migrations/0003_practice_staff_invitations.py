import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_staff_uuids(apps, schema_editor):
    PracticeStaff = apps.get_model("accounts", "PracticeStaff")
    for member in PracticeStaff.objects.filter(uuid__isnull=True).only("pk"):
        PracticeStaff.objects.filter(pk=member.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_site_name"),
    ]

    operations = [
        # A unique uuid on existing rows: add it empty, fill it, then make it unique.
        migrations.AddField(
            model_name="practicestaff",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_staff_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="practicestaff",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.CreateModel(
            name="PracticeInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("email", models.EmailField(max_length=254, verbose_name="email address")),
                ("name", models.CharField(blank=True, max_length=150, verbose_name="name")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("coordinator", "care coordinator"),
                            ("nurse", "nurse"),
                            ("referral", "referral person"),
                            ("billing", "billing person"),
                            ("clinician", "clinician"),
                            ("admin", "practice administrator"),
                        ],
                        max_length=20,
                        verbose_name="role",
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("by_operator", models.BooleanField(default=False)),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "accepted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="accounts.practice",
                    ),
                ),
            ],
            options={
                "verbose_name": "practice staff invitation",
                "verbose_name_plural": "practice staff invitations",
                "ordering": ["-created_at"],
            },
        ),
    ]
