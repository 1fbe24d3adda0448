from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import CreditCodeField
from accounts.models import Organization
from sctic.forms import TransitionCommentForm

from .models import CoBuilder, ExpertReview, IntentApplication, Recommendation
from .selectors import next_free_rank, taken_ranks

# Sections of the form as shown to the applicant, after Art. 9.
SECTIONS = [
    (
        _("The center"),
        [
            "proposed_name",
            "technology_field",
            "supervisor",
            "summary",
            "is_engineering_center",
            "engineering_center_name",
        ],
    ),
    (_("Art. 9.1 Strategic fit"), ["strategic_fit"]),
    (_("Art. 9.2 Lead unit and co-builders"), ["lead_unit_strength", "collaboration"]),
    (
        _("Art. 9.3 Technology goals"),
        [
            "technology_goals",
            "bottleneck_technologies",
            "strength_technologies",
            "short_term_goals",
            "mid_term_goals",
            "long_term_goals",
        ],
    ),
    (
        _("Art. 9.4 Talent team and director (Art. 12)"),
        ["talent_team", "director_name", "director_title", "director_profile", "director_full_time"],
    ),
    (_("Contact"), ["contact_person", "contact_phone"]),
]
MAIN_FIELDS = [name for _title, names in SECTIONS for name in names]


class CompactTextareas:
    """Text areas four rows high: long enough to write in, short enough for a phone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("rows", 4)


class ApplicationForm(CompactTextareas, forms.ModelForm):
    class Meta:
        model = IntentApplication
        fields = MAIN_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = Organization.objects.filter(
            kind__in=Organization.SUPERVISOR_KINDS
        ).order_by("kind", "region", "name")
        self.fields["proposed_name"].widget.attrs["placeholder"] = "四川省…技术创新中心"

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]


class CoBuilderForm(forms.ModelForm):
    class Meta:
        model = CoBuilder
        fields = ["name", "kind", "credit_code", "role"]
        field_classes = {"credit_code": CreditCodeField}


CoBuilderFormSet = inlineformset_factory(
    IntentApplication, CoBuilder, form=CoBuilderForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


class CultivationForm(CompactTextareas, forms.ModelForm):
    """Art. 10.2 deliverables, prepared by the lead unit while in cultivation."""

    class Meta:
        model = IntentApplication
        fields = ["board_prepared", "board_summary", "legal_entity_name", "legal_entity_credit_code"]
        field_classes = {"legal_entity_credit_code": CreditCodeField}


class RecommendForm(TransitionCommentForm):
    """Art. 10.2: the supervisor's opinion and rank."""

    opinion = forms.CharField(
        label=_("Recommendation opinion"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    rank = forms.IntegerField(label=_("Rank among this year's recommendations"), min_value=1, max_value=999)
    field_order = ["opinion", "rank", "comment"]

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["comment"].widget = forms.HiddenInput()
        if obj is not None and not self.is_bound:
            year = timezone.localdate().year
            previous = Recommendation.objects.filter(application=obj).first()
            # Art. 10.2: offer the previous rank again only if no other recommendation took it meanwhile.
            taken = taken_ranks(obj.supervisor_id, year, exclude_application=obj)
            if previous and previous.year == year and not taken.filter(rank=previous.rank).exists():
                rank = previous.rank
            else:
                rank = next_free_rank(obj.supervisor_id, year, exclude_application=obj)
            self.initial.setdefault("opinion", previous.opinion if previous else "")
            self.initial.setdefault("rank", rank)


class ExpertReviewForm(forms.ModelForm):
    class Meta:
        model = ExpertReview
        fields = ["no_conflict_declared", "score", "verdict", "opinion"]
        widgets = {"opinion": forms.Textarea(attrs={"rows": 6}), "verdict": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("score", "verdict", "opinion"):
            self.fields[name].required = True
        self.fields["no_conflict_declared"].required = True
        self.fields["no_conflict_declared"].error_messages["required"] = _(
            "Please declare that you have no conflict of interest before giving your opinion."
        )
        self.fields["verdict"].choices = ExpertReview.Verdict.choices
        self.fields["score"].widget.attrs.update({"min": 0, "max": 100})
