"""The kernel's one table: the registry of the objects ``seed_demo`` created."""

from django.contrib.contenttypes.models import ContentType
from django.db import models


class DemoObject(models.Model):
    """An object that ``seed_demo`` created, under a demo key of its own ("center:四川省…",
    "application:draft"). Later runs find the object by this key, whatever users changed since:
    a center renamed through an approved change request, a lead unit's new name, an application
    walked on. Not shown to users; ``manage.py flush`` empties it with the rest."""

    key = models.CharField(max_length=100, unique=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # Found (by a credit code, a username…) in a database seeded before this registry existed.
    adopted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key

    def target(self):
        """The object registered under the key, or None once it was deleted."""
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first() if model else None
