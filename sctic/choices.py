from django.db import models
from django.utils.translation import gettext_lazy as _


class TechnologyField(models.TextChoices):
    """Technology fields, after Sichuan's modern industrial system."""

    ELECTRONIC_INFORMATION = "electronic_information", _("Electronic information")
    EQUIPMENT_MANUFACTURING = "equipment_manufacturing", _("Equipment manufacturing")
    ADVANCED_MATERIALS = "advanced_materials", _("Advanced materials")
    ENERGY_CHEMICALS = "energy_chemicals", _("Energy and chemicals")
    FOOD_TEXTILES = "food_textiles", _("Food and light textiles")
    MEDICINE_HEALTH = "medicine_health", _("Medicine and health")
    DIGITAL_ECONOMY = "digital_economy", _("Digital economy")
    AEROSPACE = "aerospace", _("Aviation and aerospace")
    MODERN_AGRICULTURE = "modern_agriculture", _("Modern agriculture")
    ECOLOGY_ENVIRONMENT = "ecology_environment", _("Ecology and environment")
    OTHER = "other", _("Other")
