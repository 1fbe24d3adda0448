from django.contrib import admin

from sctic.admin import WorkflowAdmin

from .models import (
    Evaluation,
    EvaluationExpert,
    EvaluationRound,
    Indicator,
    IntegrityFinding,
    PostSubsidy,
    RuleSet,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "excellent_threshold",
        "good_threshold",
        "pass_threshold",
        "excellent_cap",
        "created_at",
    ]
    inlines = [IndicatorInline]


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "rule_set", "materials_deadline", "scoring_deadline"]
    readonly_fields = ["rules", "opened_by", "opened_at"]

    def has_add_permission(self, request):
        return False  # opened on /evaluations/rounds/new/, which creates the evaluations


class EvaluationExpertInline(admin.TabularInline):
    model = EvaluationExpert
    extra = 0
    fields = ["expert", "state", "due_on", "is_group_leader", "no_conflict_declared", "submitted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(WorkflowAdmin):
    list_display = ["center", "round", "state", "total_score", "grade", "rectification_deadline"]
    list_filter = ["round", "state", "grade"]
    search_fields = ["center__name"]
    list_select_related = ["center", "round"]
    readonly_fields = [
        "round",
        "center",
        "cycle",
        "total_score",
        "proposed_grade",
        "grade",
        "graded_at",
        "rectification_deadline",
    ]
    inlines = [EvaluationExpertInline]


@admin.register(IntegrityFinding)
class IntegrityFindingAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "recorded_by", "recorded_at"]
    readonly_fields = ["evaluation", "recorded_by", "recorded_at"]


@admin.register(PostSubsidy)
class PostSubsidyAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "amount", "status"]
    list_filter = ["status"]


@admin.register(EvaluationExpert)
class EvaluationExpertAdmin(WorkflowAdmin):
    """Art. 21: an evaluation expert can be withdrawn here too (with a reason), never deleted."""

    list_display = ["evaluation", "expert", "state", "due_on", "submitted_at"]
    list_filter = ["state"]
    list_select_related = ["evaluation__center", "evaluation__round", "expert"]
    readonly_fields = [
        "evaluation",
        "expert",
        "assigned_by",
        "assigned_at",
        "draw",
        "no_conflict_declared",
        "submitted_at",
        "responded_at",
        "withdrawn_at",
    ]

    def has_delete_permission(self, request, obj=None):
        return False
