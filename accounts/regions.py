"""Sichuan's 21 prefecture-level divisions (市州), keyed by their GB/T 2260 division codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    CHENGDU = "510100", _("Chengdu")
    ZIGONG = "510300", _("Zigong")
    PANZHIHUA = "510400", _("Panzhihua")
    LUZHOU = "510500", _("Luzhou")
    DEYANG = "510600", _("Deyang")
    MIANYANG = "510700", _("Mianyang")
    GUANGYUAN = "510800", _("Guangyuan")
    SUINING = "510900", _("Suining")
    NEIJIANG = "511000", _("Neijiang")
    LESHAN = "511100", _("Leshan")
    NANCHONG = "511300", _("Nanchong")
    MEISHAN = "511400", _("Meishan")
    YIBIN = "511500", _("Yibin")
    GUANG_AN = "511600", _("Guang'an")
    DAZHOU = "511700", _("Dazhou")
    YA_AN = "511800", _("Ya'an")
    BAZHONG = "511900", _("Bazhong")
    ZIYANG = "512000", _("Ziyang")
    ABA = "513200", _("Aba Tibetan and Qiang Autonomous Prefecture")
    GARZE = "513300", _("Garze Tibetan Autonomous Prefecture")
    LIANGSHAN = "513400", _("Liangshan Yi Autonomous Prefecture")
