from django.urls import path

from . import views

app_name = "letter"

urlpatterns = [
    path("", views.home, name="home"),
    path("letters/<slug:slug>/", views.detail, name="detail"),
    path("verification/", views.method, name="method"),
]
