from django.urls import path

from . import views, views_public

app_name = "signatures"

urlpatterns = [
    path("letters/<slug:slug>/sign/", views.sign, name="sign"),
    path("letters/<slug:slug>/check-your-email/", views.check_email, name="check_email"),
    path("letters/<slug:slug>/confirmed/", views.confirmed, name="confirmed"),
    path("letters/<slug:slug>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("letters/<slug:slug>/signatures/", views_public.signature_list, name="list"),
    path("letters/<slug:slug>/signatures.csv", views_public.signatures_csv, name="csv"),
    path("letters/<slug:slug>/signatures.json", views_public.signatures_json, name="json"),
    path("letters/<slug:slug>/signatures-<str:day>.csv", views_public.dated_csv, name="dated_csv"),
    path("letters/<slug:slug>/count.json", views_public.count_json, name="count"),
    path("letters/<slug:slug>/press/", views_public.press, name="press"),
    path("letters/<slug:slug>/digests/", views_public.digests, name="digests"),
    path("letters/<slug:slug>/feed.atom", views_public.ApprovedFeed(), name="feed"),
    path("letters/<slug:slug>/card.png", views_public.card, name="card"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirm/<str:token>/new-link/", views.confirm_resend, name="confirm_resend"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
