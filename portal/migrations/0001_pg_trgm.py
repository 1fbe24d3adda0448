from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for the search's trigram word similarity (sctic/search.py); nothing on SQLite."""

    dependencies = []

    operations = [TrigramExtension()]
