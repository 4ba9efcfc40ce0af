from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from signatures.urls import letter_patterns

from . import views

# The admin has no login of its own: /admin/login/ sends visitors to allauth's, with its rate
# limits and its two-factor step, and lets only logged-in staff through.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include(letter_patterns)),
    path("", include("signatures.urls")),
    path("", include("signatures.launch_urls")),
    path("moderation/", include("moderation.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("language/", views.language, name="language"),
]

if settings.BENCH_VIEWS:  # the benchmark's floors (make bench), never in production
    urlpatterns += [path("", include("freefable.bench_views"))]
