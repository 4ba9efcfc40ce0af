from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("letter.urls")),
    path("", include("signatures.urls")),
    path("moderation/", include("signatures.urls_moderation")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
