from django.urls import path

from . import views

app_name = "applications"
urlpatterns = [
    path("", views.ApplicationList.as_view(), name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/cultivation/", views.cultivation, name="cultivation"),
    path("<int:pk>/attachments/", views.upload, name="upload"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/transitions/<slug:name>/", views.ApplicationTransition.as_view(), name="transition"),
]
