from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from orderdesk import views
from orderdesk.security import two_factor

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", views.sign_out_everywhere, name="logout_everywhere"),
    path("presence/", views.presence, name="presence"),
    path("account/two-factor/", two_factor.setup, name="two_factor_setup"),
    path("account/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # orders first: its calls/<id>/order/… pages sit under the call's URL.
    path("", include("orders.urls")),
    path("", include("calls.campaign_urls")),  # outbound work; before calls.urls
    path("", include("calls.urls")),
    path("", include("clients.urls")),
]
