from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.NoticeList.as_view(), name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/render/", views.render_again, name="render"),
    path("<int:pk>/transitions/<slug:name>/", views.NoticeTransition.as_view(), name="transition"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
