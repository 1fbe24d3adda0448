from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.EvaluationList.as_view(), name="list"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/export/", views.round_export, name="round_export"),
    path("rounds/<int:pk>/results/", views.round_results, name="round_results"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/self-assessment/", views.self_assessment, name="self_assessment"),
    path("<int:pk>/rectification/", views.rectification, name="rectification"),
    path("<int:pk>/attachments/", views.upload, name="upload"),
    path("<int:pk>/score/", views.score, name="score"),
    path("<int:pk>/findings/", views.finding, name="finding"),
    path("<int:pk>/subsidy/", views.subsidy, name="subsidy"),
    path("<int:pk>/transitions/<slug:name>/", views.EvaluationTransition.as_view(), name="transition"),
]
