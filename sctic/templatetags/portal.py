from django import forms, template
from django.utils.html import format_html

register = template.Library()

STATE_COLOURS = {
    "draft": "secondary",
    "submitted": "primary",
    "returned": "warning",
    "cultivating": "info",
    "recommended": "primary",
    "under_review": "primary",
    "approved": "success",
    "rejected": "danger",
    "declined": "danger",
    "withdrawn": "secondary",
    "operating": "success",
    "rectifying": "warning",
    "delisted": "danger",
    "revoked": "dark",
    "issued": "success",
    "supervisor_approved": "primary",
    "filed": "success",
    "cancelled": "secondary",
    "pending": "secondary",
    "graded": "success",
    "rectified": "success",
    "removed": "danger",
    "absent": "danger",
    "closed": "secondary",
}


@register.simple_tag
def state_badge(obj):
    state = getattr(obj, "state", "")
    return format_html(
        '<span class="badge text-bg-{} state-badge" data-state="{}">{}</span>',
        STATE_COLOURS.get(state, "secondary"),
        state,
        obj.get_state_display(),
    )


@register.simple_tag
def state_colour(state):
    return STATE_COLOURS.get(state, "secondary")


def _widget_class(widget) -> str:
    if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def widget(field):
    """Render a bound field's widget with Bootstrap classes and its error state."""
    css = _widget_class(field.field.widget)
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_multiple_choice(field):
    return isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (pagination links keep filters)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()
