"""Default number prefixes: every kind in the 川科高 series of the 高新技术处. Editable in admin."""

from django.db import migrations

KINDS = ["approval", "rejection", "change_approval", "evaluation_results", "rectification", "removal", "revocation"]


def create(apps, schema_editor):
    NoticeSeries = apps.get_model("notices", "NoticeSeries")
    for kind in KINDS:
        NoticeSeries.objects.get_or_create(kind=kind, defaults={"prefix": "川科高"})


class Migration(migrations.Migration):
    dependencies = [("notices", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
