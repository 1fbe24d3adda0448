"""Forms of the expert review: choosing experts (a draw or a manual choice), accepting and
declining an invitation, the group opinion."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.credit_code import normalize
from accounts.models import Organization
from sctic.choices import TechnologyField
from sctic.forms import TransitionCommentForm

from .models import DeclineReason, Draw
from .reviews import review_of
from .services import MAX_DRAW, MESSAGE_REASON

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MESSAGE_UNKNOWN_ORGANIZATIONS = _("No organization is registered under: %(lines)s.")
MESSAGE_CHOOSE = _("Choose the experts, or draw them at random.")
MESSAGE_DECLINE_OTHER = _("Say why you decline: the reason “other” needs a comment.")


class ExpertChoiceWidget(forms.CheckboxSelectMultiple):
    """Experts with a conflict of interest are listed, greyed out, with the reason."""

    option_template_name = "experts/_expert_option.html"

    def __init__(self, *args, conflicts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts = conflicts or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = getattr(value, "value", value)
        reason = self.conflicts.get(str(key))
        if reason:
            option["attrs"]["disabled"] = True
            option["conflict"] = reason
        return option


def expert_label(user) -> str:
    profile = user.expert_profile
    parts = [
        str(user),
        profile.professional_title,
        getattr(user.organization, "name", ""),
        profile.get_field_display(),
    ]
    return " · ".join(p for p in parts if p)


class ChooseExpertsForm(TransitionCommentForm):
    """Art. 10.3, 21: the experts of a review — N experts and M reserves drawn at random (随机抽取)
    under criteria, with parties and declared avoidances always excluded (回避); or chosen by
    hand with a reason. Both are recorded (experts.Draw). ``adding``: more experts while the
    review runs (at least one)."""

    method = forms.ChoiceField(
        label=_("How"),
        choices=Draw.Method.choices,
        initial=Draw.Method.RANDOM,
        widget=forms.RadioSelect,
        required=False,
    )
    count = forms.IntegerField(label=_("Experts to draw"), min_value=1, max_value=MAX_DRAW, required=False)
    reserves = forms.IntegerField(
        label=_("Reserves"),
        min_value=0,
        max_value=MAX_DRAW,
        initial=1,
        required=False,
        help_text=_("Invited in order when a drawn expert declines."),
    )
    fields_wanted = forms.MultipleChoiceField(
        label=_("Technology fields (primary or secondary)"),
        choices=TechnologyField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any field."),
    )
    exclude_organizations = forms.CharField(
        label=_("Organizations to exclude"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Names or unified social credit codes, one per line. Parties to the matter are always excluded."
        ),
    )
    other_regions = forms.BooleanField(label=_("Not from the unit's 市州"), required=False)
    not_used_years = forms.IntegerField(
        label=_("Not used for this unit in the last … years"),
        min_value=0,
        max_value=10,
        initial=0,
        required=False,
    )
    experts = forms.ModelMultipleChoiceField(
        label=_("Experts"), queryset=get_user_model().objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Reason for choosing by hand"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_on = forms.DateField(label=_("Deadline for the experts"), widget=DATE, required=False)
    RANDOM_FIELDS = (
        "count",
        "reserves",
        "fields_wanted",
        "exclude_organizations",
        "other_regions",
        "not_used_years",
    )
    MANUAL_FIELDS = ("experts", "reason")
    field_order = ["method", *RANDOM_FIELDS, *MANUAL_FIELDS, "due_on", "comment"]

    def __init__(self, *args, obj=None, adding=False, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.adding = adding
        if obj is None:
            return
        review = review_of(obj)
        self.review = review
        self.minimum = 1 if adding else review.required(obj)
        self.fields["count"].initial = self.minimum
        self.fields["count"].help_text = _("At least %(count)d.") % {"count": self.minimum}
        self.fields["due_on"].initial = review.default_due(obj)
        field_of = getattr(obj, "technology_field", None) or obj.center.technology_field
        self.fields["fields_wanted"].initial = [field_of]
        candidates = review.candidates(obj)
        asked = set(review.assignments(obj).values_list("expert_id", flat=True))
        conflicts = {str(c.user.pk): c.conflict for c in candidates if c.conflict}
        conflicts.update({str(pk): str(_("already asked for this review")) for pk in asked})
        field = self.fields["experts"]
        field.queryset = get_user_model().objects.filter(
            pk__in=[c.user.pk for c in candidates if str(c.user.pk) not in conflicts]
        )
        field.choices = [(c.user.pk, expert_label(c.user)) for c in candidates]
        field.widget = ExpertChoiceWidget(conflicts=conflicts, choices=field.choices)
        self._show_when()
        field.help_text = _(
            "Only for a choice by hand. Experts from a party to the matter, or who declared that they avoid one, cannot be chosen."
        )

    def _show_when(self):
        """Each field shows with its method (static/js/sctic.js); without JavaScript all show."""
        for names, method in (
            (self.RANDOM_FIELDS, Draw.Method.RANDOM),
            (self.MANUAL_FIELDS, Draw.Method.MANUAL),
        ):
            for name in names:
                self.fields[name].widget.attrs["data-shown-when"] = f"method={method}"

    def clean_exclude_organizations(self):
        lines = [
            line.strip() for line in self.cleaned_data["exclude_organizations"].splitlines() if line.strip()
        ]
        if not lines:
            return []
        codes = {normalize(line) for line in lines}
        found = list(Organization.objects.filter(Q(name__in=lines) | Q(credit_code__in=codes)))
        known = {o.name for o in found} | {normalize(o.credit_code) for o in found if o.credit_code}
        unknown = [line for line in lines if line not in known and normalize(line) not in known]
        if unknown:
            raise ValidationError(MESSAGE_UNKNOWN_ORGANIZATIONS % {"lines": "、".join(unknown)})
        return sorted({o.pk for o in found})

    def clean(self):
        data = super().clean()
        if not data.get("method"):
            # A page sent without the choice: experts ticked mean a choice by hand.
            data["method"] = Draw.Method.MANUAL if data.get("experts") else Draw.Method.RANDOM
        if data.get("method") == Draw.Method.MANUAL:
            if not data.get("experts"):
                self.add_error("experts", MESSAGE_CHOOSE)
            if not (data.get("reason") or "").strip():
                self.add_error("reason", MESSAGE_REASON)
        elif data.get("method") == Draw.Method.RANDOM and not data.get("count"):
            self.add_error("count", _("Say how many experts to draw."))
        return data

    def transition_data(self):
        data = self.cleaned_data
        if data["method"] == Draw.Method.MANUAL:
            chosen = {"experts": list(data["experts"]), "reason": data["reason"]}
        else:
            chosen = {
                "count": data["count"],
                "reserves": data.get("reserves") or 0,
                "criteria": {
                    "fields": list(data.get("fields_wanted") or ()),
                    "exclude_organizations": data.get("exclude_organizations") or [],
                    "other_regions": bool(data.get("other_regions")),
                    "not_used_years": data.get("not_used_years") or 0,
                },
            }
        return {"method": data["method"], "due_on": data.get("due_on"), "minimum": self.minimum, **chosen}


class AcceptForm(TransitionCommentForm):
    """The expert accepts, declaring no conflict of interest with the matter (Art. 10.3, 21)."""

    no_conflict_declared = forms.BooleanField(
        label=_("I declare that I have no conflict of interest with this matter"),
        required=True,
        error_messages={
            "required": _("Please declare that you have no conflict of interest before accepting.")
        },
    )

    def transition_data(self):
        return {}


class DeclineForm(TransitionCommentForm):
    reason = forms.ChoiceField(
        label=_("Why you decline"), choices=DeclineReason.choices, widget=forms.RadioSelect
    )
    field_order = ["reason", "comment"]

    def clean(self):
        data = super().clean()
        if data.get("reason") == DeclineReason.OTHER and not (data.get("comment") or "").strip():
            self.add_error("comment", MESSAGE_DECLINE_OTHER)
        return data


class GroupOpinionForm(forms.Form):
    """The 组长's group opinion: per Art. 21 area (strengths, problems, suggestions) for an
    evaluation; the conclusion and its reasons for a consultation."""

    PARTS = (("strengths", _("Strengths")), ("problems", _("Problems")), ("suggestions", _("Suggestions")))

    def __init__(self, *args, opinion, **kwargs):
        super().__init__(*args, **kwargs)
        self.opinion = opinion
        review = review_of(opinion.subject)
        self.areas = review.areas
        if review.areas:
            for area, label in review.areas:
                saved = opinion.areas.get(area) or {}
                for part, part_label in self.PARTS:
                    self.fields[f"{area}__{part}"] = forms.CharField(
                        label=f"{label} · {part_label}",
                        initial=saved.get(part, ""),
                        max_length=5000,
                        # Art. 23: the problems are what a failing center must answer; an area
                        # may have none.
                        required=part != "problems",
                        help_text=_("Leave empty if the group found none.") if part == "problems" else "",
                        widget=forms.Textarea(attrs={"rows": 2}),
                    )
        else:
            from applications.models import ExpertReview

            self.fields["conclusion"] = forms.ChoiceField(
                label=_("Conclusion"),
                choices=ExpertReview.Verdict.choices,
                initial=opinion.conclusion,
                widget=forms.RadioSelect,
            )
            self.fields["reasons"] = forms.CharField(
                label=_("Reasons"),
                initial=opinion.reasons,
                max_length=10000,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def grouped(self):
        """(area label, [bound fields]) for the template."""
        return [(label, [self[f"{area}__{part}"] for part, _l in self.PARTS]) for area, label in self.areas]

    def opinion_data(self) -> dict:
        data = self.cleaned_data
        if self.areas:
            return {
                "areas": {
                    area: {part: data[f"{area}__{part}"] for part, _l in self.PARTS}
                    for area, _label in self.areas
                }
            }
        return {"conclusion": data["conclusion"], "reasons": data["reasons"]}
