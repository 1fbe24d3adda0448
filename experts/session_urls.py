"""URLs of the expert pages; included by experts.urls."""

urlpatterns = []
