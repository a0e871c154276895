"""Numbers entered before verification existed (staff, admin, seeds) keep receiving SMS: they
count as verified from this migration on; numbers entered later need the code."""
from django.db import migrations
from django.db.models.functions import Now


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.exclude(phone="").filter(phone_verified_at__isnull=True).update(phone_verified_at=Now())


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_phone_verified_at")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
