from django.urls import path

from talkpage.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password-reset/", views.ForgotPasswordView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.ForgotPasswordDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.SetNewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        views.SetNewPasswordDoneView.as_view(),
        name="password_reset_complete",
    ),
    path("settings/", views.account_settings, name="settings"),
    path("password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("email/", views.change_email, name="email_change"),
    path("delete/", views.delete_account, name="delete"),
    path("verify/<str:token>/", views.verify_email, name="verify"),
    path("verify-again/", views.resend_verification, name="verify-again"),
]
