from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class TransitionCommentForm(forms.Form):
    """The comment (reason) that goes with a transition; required where the regulation expects one."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, action=None, obj=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.action, self.obj, self.user = action, obj, user
        if action is not None and action.comment == "required":
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Reason")
            self.fields["comment"].error_messages["required"] = _(
                "Please give a reason: it is recorded and shown to those concerned."
            )
        elif action is not None and action.comment is None:
            self.fields["comment"].widget = forms.HiddenInput()

    def transition_data(self) -> dict:
        """Keyword arguments for ``perform`` besides the comment."""
        return {k: v for k, v in self.cleaned_data.items() if k != "comment"}


class PortalFormRenderer(TemplatesSetting):
    """Every ``{{ field.as_field_group }}`` is drawn by templates/includes/field.html (Bootstrap)."""

    field_template_name = "includes/field.html"


class DecisionForm(TransitionCommentForm):
    """A decision of 科技厅 that is issued as an official notice (Art. 5): the reason, and whether the
    notice is issued at once (the default) or kept as a draft for the department to edit first."""

    hold_notice = forms.BooleanField(
        label=_("Keep the official notice as a draft to edit before issuing"),
        required=False,
        help_text=_("Otherwise the notice is numbered and issued with this decision."),
    )
    field_order = ["comment", "hold_notice"]

    def transition_data(self):
        return {"hold_notice": self.cleaned_data["hold_notice"]}
