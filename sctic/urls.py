from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from accounts.forms import LoginForm, PasswordResetForm
from centers.urls import changes_patterns

from . import dashboards

admin.site.site_header = _("Sichuan Technology Innovation Centers — administration")
admin.site.site_title = _("sctic administration")

urlpatterns = [
    path("", dashboards.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),  # also saves User.language
    path("applications/", include("applications.urls")),
    path("centers/", include("centers.urls")),
    path("changes/", include(changes_patterns)),
    path("reports/", include("reports.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("experts/", include("experts.urls")),
    path("files/", include("attachments.urls")),
    path("notices/", include("notices.urls")),
    path("messages/", include("notifications.urls")),
    path("exports/", include("exports.urls")),
    path("search/", include("portal.urls")),
    path("admin/", admin.site.urls),
]
