"""Art. 22: who confirmed a grade and why, next to the proposed grade; filled for the evaluations
graded before, from the workflow log of their "grade" transition."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_from_log(apps, schema_editor):
    Evaluation = apps.get_model("evaluations", "Evaluation")
    StateLog = apps.get_model("django_fsm_log", "StateLog")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="evaluations", model="evaluation").first()
    if content_type is None:
        return
    logs = StateLog.objects.filter(content_type=content_type, transition="grade").order_by("timestamp")
    latest = {log.object_id: log for log in logs}  # the last grading of each evaluation
    for evaluation in Evaluation.objects.exclude(grade="").filter(graded_by__isnull=True):
        log = latest.get(evaluation.pk)
        if log is not None:
            evaluation.graded_by_id = log.by_id
            evaluation.grade_reason = log.description or ""
            evaluation.save(update_fields=["graded_by", "grade_reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0003_cap_help_text"),
        ("django_fsm_log", "0005_description_null"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="grade_reason",
            field=models.TextField(
                blank=True,
                help_text="Art. 22: required when the grade differs from the one the scores propose.",
                verbose_name="reason for the grade",
            ),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="graded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="graded by",
            ),
        ),
        migrations.RunPython(fill_from_log, migrations.RunPython.noop),
    ]
