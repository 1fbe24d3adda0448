from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.ReportList.as_view(), name="list"),
    path("seasons/", views.seasons, name="seasons"),
    path("batch/<slug:name>/", views.batch, name="batch"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/", views.upload, name="upload"),
    path("<int:pk>/transitions/<slug:name>/", views.ReportTransition.as_view(), name="transition"),
]
