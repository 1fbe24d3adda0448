from django.urls import path

from . import views

app_name = "centers"
urlpatterns = [
    path("", views.CenterList.as_view(), name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transitions/<slug:name>/", views.CenterTransition.as_view(), name="transition"),
]
