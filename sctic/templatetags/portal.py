from datetime import date, datetime

from django import forms, template
from django.utils import timezone
from django.utils.html import format_html

from sctic import access

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
    "invited": "warning",
    "accepted": "info",
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


@register.inclusion_tag("includes/deadline.html")
def deadline(due, today: date | None = None):
    """A task's deadline with the days left, or the days overdue (red, and said in words):
    ``{% deadline report.due_date %}``. Nothing when there is no deadline."""
    if isinstance(due, datetime):
        due = timezone.localdate(due)
    if not isinstance(due, date):
        return {"due": None}
    days = (due - (today or timezone.localdate())).days
    return {"due": due, "days_left": max(days, 0), "days_overdue": max(-days, 0)}


@register.simple_tag(takes_context=True)
def sort_th(context, key, label, css=""):
    """A column header that sorts the list by ``key`` (a key of its filterset's ``o = SortFilter``):
    ascending first, then each click turns it round; ``aria-sort`` on the column sorted by. The link
    keeps the search and filters and goes back to the first page: ``{% sort_th "name" _("Name") %}``."""
    request = context["request"]
    current = request.GET.get("o", "").split(",")[0].strip()
    if current == key:
        sort, target, mark = "ascending", f"-{key}", "▲"
    elif current == f"-{key}":
        sort, target, mark = "descending", key, "▼"
    else:
        sort, target, mark = "", key, ""
    params = request.GET.copy()
    params["o"] = target
    params.pop("page", None)
    return format_html(
        '<th scope="col" data-sort="{}"{}{}><a class="sort-link" href="?{}">{}{}</a></th>',
        key,
        format_html(' class="{}"', css) if css else "",
        format_html(' aria-sort="{}"', sort) if sort else "",
        params.urlencode(),
        label,
        format_html(' <span aria-hidden="true">{}</span>', mark) if mark else "",
    )


@register.filter
def visible_to(obj, user) -> bool:
    """May ``user`` open ``obj``'s page (its app's access rules)? Links to pages the user would get
    a 404 for are drawn as plain text: ``{% if report|visible_to:user %}<a …>{% endif %}``."""
    try:
        return access.can_view(user, obj)
    except KeyError:  # a model without an access policy has no page of its own
        return False
