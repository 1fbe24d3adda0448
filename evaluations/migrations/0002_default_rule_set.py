"""The default evaluation rules (evaluations/defaults.py). Editable in admin; a new edition is a
new rule set or version."""

from django.db import migrations

from evaluations.defaults import ensure_default_rule_set


def create(apps, schema_editor):
    ensure_default_rule_set(apps.get_model("evaluations", "RuleSet"), apps.get_model("evaluations", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
