from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("new/<slug:kind>/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/download/", views.download, name="download"),
]
