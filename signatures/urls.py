from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("letters/<slug:slug>/sign/", views.sign, name="sign"),
    path("letters/<slug:slug>/check-your-email/", views.check_email, name="check_email"),
    path("letters/<slug:slug>/confirmed/", views.confirmed, name="confirmed"),
    path("letters/<slug:slug>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirm/<str:token>/new-link/", views.confirm_resend, name="confirm_resend"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
