import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Art. 25: a center is named “四川省××技术创新中心”.
NAME_PATTERN = re.compile(r"^四川省(?P<middle>.+)技术创新中心$")
MESSAGE_ART25 = _(
    "Art. 25: the name must read “四川省…技术创新中心”, with the field or product between, "
    "for example 四川省先进轨道交通技术创新中心."
)


def validate_center_name(value: str) -> None:
    """Art. 25 naming rule."""
    match = NAME_PATTERN.match((value or "").strip())
    if not match or not match.group("middle").strip() or match.group("middle").startswith("技术创新"):
        raise ValidationError(MESSAGE_ART25, code="art25")
