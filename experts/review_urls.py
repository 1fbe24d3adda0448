"""URLs of an expert review; included by experts.urls."""

from django.urls import path

from . import review_views as views

urlpatterns = [
    path(
        "<slug:key>/assignments/<int:pk>/transitions/<slug:name>/",
        views.AssignmentTransition.as_view(),
        name="assignment_transition",
    ),
    path("<slug:key>/assignments/<int:pk>/leader/", views.name_leader, name="leader"),
    path("<slug:key>/<int:pk>/add/", views.add_experts, name="add"),
    path("opinions/<int:pk>/", views.opinion_edit, name="opinion"),
    path(
        "opinions/<int:pk>/transitions/<slug:name>/",
        views.GroupOpinionTransition.as_view(),
        name="opinion_transition",
    ),
]
