"""URLs of the expert pool pages (科技厅) and the expert's own profile; included by experts.urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.PoolList.as_view(), name="pool"),
    path("new/", views.pool_new, name="pool_new"),
    path("me/", views.me, name="me"),
    path("<int:pk>/", views.pool_detail, name="pool_detail"),
    path("<int:pk>/edit/", views.pool_edit, name="pool_edit"),
    path("<int:pk>/active/", views.pool_active, name="pool_active"),
]
