from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .metrics import METRICS
from .models import AnnualReport, ReportingSeason, default_due_date

AREAS = [
    ("tasks", _("Major national and provincial tasks (Art. 21)")),
    ("breakthroughs", _("Key technology breakthroughs (Art. 21)")),
    ("leading", _("Leading the industry's technical progress (Art. 21)")),
    ("services", _("Technology innovation services to society (Art. 21)")),
    ("incubation", _("Incubating technology-based enterprises (Art. 21)")),
    ("governance", _("Resources, staff and operation")),
]


class ReportForm(forms.ModelForm):
    """The center's annual report: narrative and objective data, each figure with its unit."""

    class Meta:
        model = AnnualReport
        fields = ["progress", "problems", "next_steps", *[m.name for m in METRICS]]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in ("progress", "problems", "next_steps")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for metric in METRICS:
            field = self.fields[metric.name]
            field.help_text = metric.unit
            field.widget.attrs.update({"min": 0, "inputmode": "decimal" if metric.amount else "numeric"})
            if metric.amount:
                field.widget.attrs["step"] = "0.01"
            field.error_messages.update(
                {
                    "invalid": _("Enter a number in %(unit)s, digits only.") % {"unit": metric.unit},
                    "min_value": _("“%(label)s” cannot be negative: enter 0 if there is none.")
                    % {"label": metric.label},
                    "max_value": _(
                        "“%(label)s” is implausibly large. Check the unit (%(unit)s) and the decimal point."
                    )
                    % {"label": metric.label, "unit": metric.unit},
                    "max_digits": _(
                        "“%(label)s” is implausibly large. Check the unit (%(unit)s) and the decimal point."
                    )
                    % {"label": metric.label, "unit": metric.unit},
                    "max_whole_digits": _(
                        "“%(label)s” is implausibly large. Check the unit (%(unit)s) and the decimal point."
                    )
                    % {"label": metric.label, "unit": metric.unit},
                    "max_decimal_places": _("Give amounts with at most two decimals (%(unit)s).")
                    % {"unit": metric.unit},
                }
            )

    def areas(self):
        return [(title, [self[m.name] for m in METRICS if m.area == area]) for area, title in AREAS]


class SeasonForm(forms.ModelForm):
    class Meta:
        model = ReportingSeason
        fields = ["year", "due_date"]
        # <input type="date"> only takes ISO dates; the localized 2027/03/31 leaves it empty.
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"due_date": _("By default 31 March of the next year.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year - 1 if timezone.localdate().month <= 3 else timezone.localdate().year
        self.initial.setdefault("year", year)
        self.initial.setdefault("due_date", default_due_date(year))

    def validate_unique(self):
        """``season_open`` refuses a second season with its own message (“…年度报告已启动”)."""
