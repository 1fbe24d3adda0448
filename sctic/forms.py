from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

CONFIRM_FIELD = "confirm_irreversible"
MESSAGE_CONFIRM_IRREVERSIBLE = _(
    "Nothing was done: tick the box to confirm that you have read what this action does and that "
    "it cannot be undone."
)


class TransitionCommentForm(forms.Form):
    """The comment (reason) that goes with a transition; required where the regulation expects one.

    An irreversible transition (``custom={"irreversible": [...]}``) also asks for an explicit
    confirmation: a box that must be ticked, below the consequences the page states
    (``form.consequences``). Without it the form is invalid and nothing is done."""

    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, action=None, obj=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.action, self.obj, self.user = action, obj, user
        self.consequences = tuple(action.irreversible) if action is not None else ()
        if self.consequences:
            self.fields[CONFIRM_FIELD] = forms.BooleanField(
                label=_("I have read what this does and confirm it. It cannot be undone."),
                required=True,
                error_messages={"required": MESSAGE_CONFIRM_IRREVERSIBLE},
            )
        if action is not None and action.comment == "required":
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Reason")
            self.fields["comment"].error_messages["required"] = _(
                "Please give a reason: it is recorded and shown to those concerned."
            )
        elif action is not None and action.comment is None:
            self.fields["comment"].widget = forms.HiddenInput()

    def transition_data(self) -> dict:
        """Keyword arguments for ``perform`` besides the comment (and the confirmation)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("comment", CONFIRM_FIELD)}

    def _confirmation_last(self):
        """The confirmation box comes last, right above the button."""
        if CONFIRM_FIELD in self.fields:
            self.fields[CONFIRM_FIELD] = self.fields.pop(CONFIRM_FIELD)


class PortalFormRenderer(TemplatesSetting):
    """Every ``{{ field.as_field_group }}`` is drawn by templates/includes/field.html (Bootstrap)."""

    field_template_name = "includes/field.html"


class DecisionForm(TransitionCommentForm):
    """A decision of 科技厅 that is issued as an official notice (Art. 5): the reason, and whether the
    notice is issued at once (the default) or kept as a draft for the department to edit first.

    Where the transition says ``custom={"notice": "draft"}`` (revocation, Art. 5.2) the default is
    the other way round: the notice is kept as a draft unless the user ticks "issue it now", so a
    page sent without the box never numbers and issues a notice."""

    hold_notice = forms.BooleanField(
        label=_("Keep the official notice as a draft to edit before issuing"),
        required=False,
        help_text=_("Otherwise the notice is numbered and issued with this decision."),
    )
    field_order = ["comment", "hold_notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft_by_default = getattr(self.action, "notice", "") == "draft"
        if self.draft_by_default:
            del self.fields["hold_notice"]
            self.fields["issue_notice"] = forms.BooleanField(
                label=_("Number and issue the official notice now"),
                required=False,
                help_text=_(
                    "Otherwise the notice is kept as a draft without a number: read it, edit it "
                    "and issue it from its own page."
                ),
            )
        self._confirmation_last()

    def transition_data(self):
        if self.draft_by_default:
            return {"hold_notice": not self.cleaned_data["issue_notice"]}
        return {"hold_notice": self.cleaned_data["hold_notice"]}
