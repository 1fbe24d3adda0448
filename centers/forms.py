from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

from .models import BoardMember, Center, ChangeRequest, CommitteeMember, WorkPlan
from .validators import validate_center_name

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordFormSet(BaseInlineFormSet):
    """Duplicate rows are named by their labels (“年度”), not their field names."""

    def get_unique_error_message(self, unique_check):
        labels = [
            str(self.form.base_fields[name].label) for name in unique_check if name in self.form.base_fields
        ]
        return _("Two rows have the same %(fields)s; each may appear once.") % {"fields": "、".join(labels)}


BoardFormSet = inlineformset_factory(
    Center,
    BoardMember,
    fields=["name", "organization", "position", "role", "since"],
    extra=1,
    can_delete=True,
    widgets={"since": DATE},
)
CommitteeFormSet = inlineformset_factory(
    Center,
    CommitteeMember,
    formset=RecordFormSet,
    fields=["name", "organization", "title", "is_chair"],
    extra=1,
    can_delete=True,
)
WorkPlanFormSet = inlineformset_factory(
    Center,
    WorkPlan,
    formset=RecordFormSet,
    fields=["year", "summary", "adopted_on"],
    extra=1,
    can_delete=True,
    widgets={"summary": forms.Textarea(attrs={"rows": 3}), "adopted_on": DATE},
)


class ChangeRequestForm(forms.ModelForm):
    """Art. 20: the written request. The center's identity fields change only when it is approved."""

    class Meta:
        model = ChangeRequest
        fields = [
            "kind",
            "proposed_value",
            "proposed_director_full_time",
            "proposed_lead_unit",
            "proposed_cobuilders",
            "reason",
        ]
        widgets = {
            "proposed_value": forms.Textarea(attrs={"rows": 3}),
            "proposed_cobuilders": forms.Textarea(attrs={"rows": 3}),
            "reason": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.instance.center = center
        self.fields["proposed_lead_unit"].queryset = Organization.objects.filter(
            kind=Organization.Kind.UNIT
        ).order_by("name")
        self.fields["proposed_lead_unit"].required = False

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), (data.get("proposed_value") or "").strip()
        if (
            kind
            and ChangeRequest.objects.filter(
                center=self.center, kind=kind, state__in=ChangeRequest.OPEN_STATES
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "kind",
                _(
                    "This center already has an open change request of this kind: finish or withdraw it first."
                ),
            )
        if kind == ChangeRequest.Kind.NAME and value:
            try:
                validate_center_name(value)
            except forms.ValidationError as exc:
                self.add_error("proposed_value", exc)
        self._refuse_no_change(data)
        return data

    def _refuse_no_change(self, data):
        """Art. 20: a proposal of what the center has now is refused before the draft is saved (the
        same rule as ``ChangeRequest.changes_nothing`` at submit and approval)."""
        kind = data.get("kind")
        if not kind:
            return
        probe = ChangeRequest(
            center=self.center,
            kind=kind,
            proposed_value=data.get("proposed_value") or "",
            proposed_director_full_time=bool(data.get("proposed_director_full_time")),
            proposed_lead_unit=data.get("proposed_lead_unit"),
            proposed_cobuilders=data.get("proposed_cobuilders") or "",
        )
        if not probe.changes_nothing():
            return
        field = "proposed_value"
        if kind == ChangeRequest.Kind.LEAD_UNIT:
            field = "proposed_cobuilders" if probe.proposed_cobuilders.strip() else "proposed_lead_unit"
        self.add_error(field, probe.no_change_message())

    def validate_constraints(self, exclude=None):
        """The open-request rule is checked in ``clean`` with a message naming the way out."""
