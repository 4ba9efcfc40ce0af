"""URLs of a letter's launch and of a signer's own page (namespace "launch")."""

from django.urls import path

from .views import launch, your_signature

app_name = "launch"

urlpatterns = [
    path("invite/<str:token>/", launch.invitation, name="invitation"),
    path("preview/<str:token>/", launch.press_preview, name="press_preview"),
    path("your-signature/<str:token>/", your_signature.your_signature, name="your_signature"),
]
