from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import NoticeFilter
from .models import Notice
from .selectors import list_queryset

register(
    Exporter(
        kind="notices",
        title=_("Official notices"),
        queryset=filtered_list(Notice, NoticeFilter, list_queryset),
        columns=[
            (_("Document number"), lambda n: n.number),
            (_("Title"), lambda n: n.title),
            (_("Kind"), lambda n: n.get_kind_display()),
            (_("Addressees"), lambda n: n.addressees),
            (_("Date of issue"), lambda n: n.issue_date),
            (_("State"), lambda n: n.get_state_display()),
            (_("Issuing organization"), lambda n: n.issuer.name),
            (_("SHA-256 of the PDF"), lambda n: n.sha256),
        ],
    )
)
