from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/feature/", views.feature, name="feature"),
    path("<int:pk>/unfeature/", views.feature, {"featured": False}, name="unfeature"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("undo-reject/<int:event_id>/", views.undo_reject, name="undo_reject"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/add/", views.watchlist_create, name="watchlist_add"),
    path("watchlist/<int:pk>/remove/", views.watchlist_delete, name="watchlist_remove"),
    path("<int:pk>/confirm-domain/", views.confirm_domain, name="confirm_domain"),
]
