from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sctic.forms import TransitionCommentForm

from .models import AREAS, Evaluation, EvaluationRound, Grade, IntegrityFinding, RuleSet

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.ModelForm):
    class Meta:
        model = EvaluationRound
        fields = ["year", "rule_set", "materials_deadline", "scoring_deadline"]
        widgets = {"materials_deadline": DATE, "scoring_deadline": DATE}
        help_texts = {
            "year": _(
                "The centers whose current construction cycle ends in this year are evaluated (Art. 22)."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_set"].queryset = RuleSet.objects.all()
        self.initial.setdefault("year", timezone.localdate().year)
        latest = RuleSet.objects.order_by("-created_at").first()
        if latest:
            self.initial.setdefault("rule_set", latest.pk)

    def clean(self):
        data = super().clean()
        materials, scoring = data.get("materials_deadline"), data.get("scoring_deadline")
        if materials and scoring and scoring < materials:
            self.add_error(
                "scoring_deadline", _("The experts' deadline comes after the self-assessments are due.")
            )
        return data

    def validate_unique(self):
        """``round_open`` refuses a second round of the same year with its own message."""


class SelfAssessmentForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = [f"narrative_{area}" for area, _label in AREAS]
        widgets = {f"narrative_{area}": forms.Textarea(attrs={"rows": 5}) for area, _label in AREAS}


class RectificationForm(forms.ModelForm):
    """Art. 23: the center's rectification plan and, before the deadline, its report. Where the
    expert group's opinion lists problems, the plan answers each of them."""

    class Meta:
        model = Evaluation
        fields = ["rectification_plan", "rectification_report"]
        widgets = {
            "rectification_plan": forms.Textarea(attrs={"rows": 5}),
            "rectification_report": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from experts.services import group_problems

        self.problems = group_problems(self.instance)
        answers = self.instance.rectification_answers or {}
        for area, label, problem in self.problems:
            self.fields[f"answer_{area}"] = forms.CharField(
                label=_("Answer to the problems found in “%(area)s”") % {"area": label},
                help_text=problem,
                initial=answers.get(area, ""),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def save(self, commit=True):
        self.instance.rectification_answers = {
            area: self.cleaned_data.get(f"answer_{area}", "") for area, _label, _problem in self.problems
        }
        return super().save(commit)


class GradeForm(TransitionCommentForm):
    """Art. 22: the department confirms the proposed grade or records another with a reason."""

    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, widget=forms.RadioSelect)
    field_order = ["grade", "comment"]

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.fields["comment"].label = _("Reason (required if the grade differs from the proposed one)")
        if obj is not None and obj.proposed_grade:
            self.initial.setdefault("grade", obj.proposed_grade)
            self.fields["grade"].help_text = _("Total %(total)s; proposed: %(proposed)s.") % {
                "total": obj.total_score,
                "proposed": Grade(obj.proposed_grade).label,
            }
        if obj is not None and obj.integrity_breached():
            self.fields["grade"].choices = [(Grade.FAIL, Grade.FAIL.label)]
            self.fields["grade"].help_text = _(
                "Art. 24: an integrity finding is recorded; the grade is fail."
            )

    def clean(self):
        data = super().clean()
        proposed = getattr(self.obj, "proposed_grade", "")
        if (
            proposed
            and data.get("grade")
            and data["grade"] != proposed
            and not data.get("comment", "").strip()
        ):
            self.add_error("comment", _("Give the reason for a grade that differs from the proposed one."))
        return data

    def transition_data(self):
        return {"grade": self.cleaned_data["grade"]}


class ScoreForm(forms.Form):
    """An expert's scores of the expert-scored indicators, each 0–100 with a comment."""

    no_conflict_declared = forms.BooleanField(
        label=_("I declare that I have no conflict of interest with this center"),
        error_messages={
            "required": _("Please declare that you have no conflict of interest before scoring.")
        },
    )

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            code = indicator["code"]
            self.fields[f"score_{code}"] = forms.DecimalField(
                label=f"{indicator['name']}（{indicator['weight']}）",
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                error_messages={
                    "min_value": _("A score is between 0 and 100."),
                    "max_value": _("A score is between 0 and 100."),
                    "invalid": _("Enter a score between 0 and 100."),
                },
            )
            self.fields[f"comment_{code}"] = forms.CharField(
                label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def scores(self) -> dict:
        return {
            i["code"]: (self.cleaned_data[f"score_{i['code']}"], self.cleaned_data[f"comment_{i['code']}"])
            for i in self.indicators
        }

    def rows(self):
        return [(i, self[f"score_{i['code']}"], self[f"comment_{i['code']}"]) for i in self.indicators]


class IntegrityFindingForm(forms.ModelForm):
    class Meta:
        model = IntegrityFinding
        fields = ["description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class PostSubsidyForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount (10k yuan)"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    status = forms.ChoiceField(label=_("status"))
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import PostSubsidy

        self.fields["status"].choices = PostSubsidy.Status.choices
