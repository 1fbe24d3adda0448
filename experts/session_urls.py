"""URLs of the review sessions (Art. 10.3, Art. 21); included by experts.urls."""

from django.urls import path

from . import sessions

urlpatterns = [
    path("<slug:key>/<int:subject_pk>/sessions/new/", sessions.session_new, name="session_new"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
]
