"""Project URLs: the shell, each app's pages, the API."""

from django.urls import include, path
from django.views.generic import RedirectView

from clientela.api import api
from clientela.platform.reports import report_index
from clientela.platform.views import account, auth, shell
from clientela.platform.views.timeline import timeline_view

urlpatterns = [
    path("", shell.dashboard, name="dashboard"),
    path("healthz", shell.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/clientela/favicon.svg", permanent=True)),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("account/", account.profile, name="profile"),
    path("account/password/", auth.password_change, name="password_change"),
    path("account/tokens/", account.token_list, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke, name="token_revoke"),
    path("account/two-factor/", account.two_factor, name="two_factor"),
    path("language/", shell.set_language, name="set_language"),
    path("notifications/", shell.notification_list, name="notifications"),
    path("notifications/bell/", shell.notification_bell, name="notification_bell"),
    path("notifications/read-all/", shell.notification_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        shell.notification_read,
        name="notification_read",
    ),
    path("search/", shell.global_search, name="search"),
    path("timeline/<str:object_type>/<int:object_id>/", timeline_view, name="timeline"),
    path("sales/", include("clientela.sales.urls")),
    path("q/", include("clientela.sales.urls_public")),  # the customer's quote link
    path("service/settings/", include("clientela.service.urls_settings")),
    path("service/kb/", include("clientela.service.urls_kb")),
    path("service/installed-base/", include("clientela.service.urls_assets")),
    path("service/dispatch/", include("clientela.service.urls_dispatch")),
    path("service/", include("clientela.service.urls")),
    path("s/", include("clientela.service.urls_public")),  # the customer's survey link
    path("activities/", include("clientela.activities.urls")),
    path("marketing/", shell.coming_soon, {"section": "marketing"}, name="marketing"),
    path("contact-center/", shell.coming_soon, {"section": "contactcenter"}, name="contactcenter"),
    path("reports/", report_index, name="reports"),
    path("reports/sales/", include("clientela.sales.urls_reports")),
    path("reports/service/", include("clientela.service.urls_reports")),
    path("settings/", include("clientela.platform.urls")),
    path("hooks/", include("clientela.platform.urls_hooks")),
    path("objects/", include("clientela.platform.urls_objects")),  # custom objects (0008)
    path("", include("clientela.customers.urls")),
    path("api/", api.urls),
]
