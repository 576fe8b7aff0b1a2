"""URLs of the sign-in layer, included at the root by ``portal.urls``."""

from django.urls import path

from portal.identity import mfa_views, oidc_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("oidc/authenticate/", oidc_views.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc_views.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("mfa/verify/", mfa_views.VerifyView.as_view(), name="mfa-verify"),
    path("mfa/setup/", mfa_views.SetupView.as_view(), name="mfa-setup"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/no-role/", views.NoRoleView.as_view(), name="no-role"),
]
