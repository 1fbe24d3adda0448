from django.urls import path

from . import views

app_name = "centers"
urlpatterns = [
    path("", views.CenterList.as_view(), name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/governance/", views.governance, name="governance"),
    path("<int:pk>/documents/", views.upload, name="upload"),
    path("<int:pk>/changes/new/", views.change_create, name="change_create"),
    path("<int:pk>/transitions/<slug:name>/", views.CenterTransition.as_view(), name="transition"),
]

changes_patterns = (
    [
        path("", views.ChangeList.as_view(), name="list"),
        path("<int:pk>/", views.change_detail, name="detail"),
        path("<int:pk>/edit/", views.change_edit, name="edit"),
        path("<int:pk>/attachments/", views.change_upload, name="upload"),
        path("<int:pk>/transitions/<slug:name>/", views.ChangeTransition.as_view(), name="transition"),
    ],
    "changes",
)
