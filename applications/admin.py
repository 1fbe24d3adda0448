from django.contrib import admin

from sctic.admin import WorkflowAdmin

from .models import CoBuilder, ExpertReview, IntentApplication, Recommendation


class CoBuilderInline(admin.TabularInline):
    model = CoBuilder
    extra = 0


class ExpertReviewInline(admin.TabularInline):
    model = ExpertReview
    extra = 0
    fields = [
        "expert",
        "state",
        "due_on",
        "is_group_leader",
        "no_conflict_declared",
        "score",
        "verdict",
        "submitted_at",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # experts are assigned through “Start expert consultation”


@admin.register(IntentApplication)
class IntentApplicationAdmin(WorkflowAdmin):
    list_display = [
        "proposed_name",
        "lead_unit",
        "supervisor",
        "technology_field",
        "state",
        "is_engineering_center",
        "updated_at",
    ]
    list_filter = ["state", "technology_field", "is_engineering_center", "supervisor"]
    search_fields = ["proposed_name", "lead_unit__name"]
    list_select_related = ["lead_unit", "supervisor"]
    autocomplete_fields = ["lead_unit", "supervisor", "created_by"]
    readonly_fields = ["submitted_at", "decided_at", "created_at", "updated_at"]
    inlines = [CoBuilderInline, ExpertReviewInline]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["application", "supervisor", "year", "rank", "recommended_at"]
    list_filter = ["year", "supervisor"]
    list_select_related = ["application", "supervisor"]
    readonly_fields = ["application", "supervisor", "recommended_by", "recommended_at"]


@admin.register(ExpertReview)
class ExpertReviewAdmin(WorkflowAdmin):
    """Art. 10.3: the state is read-only; accept and withdraw (with a reason) are actions."""

    list_display = ["application", "expert", "state", "due_on", "score", "verdict", "submitted_at"]
    list_filter = ["state", "verdict"]
    list_select_related = ["application", "expert"]
    readonly_fields = [
        "application",
        "expert",
        "assigned_by",
        "assigned_at",
        "draw",
        "responded_at",
        "withdrawn_at",
    ]
