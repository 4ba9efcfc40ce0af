from django.urls import path

from . import audit_views, delivery_views, launch_views, update_views, views, watchlist_views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("audit.csv", audit_views.audit_csv, name="audit_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/feature/", views.feature, name="feature"),
    path("<int:pk>/unfeature/", views.feature, {"featured": False}, name="unfeature"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("undo-reject/<int:event_id>/", views.undo_reject, name="undo_reject"),
    path("watchlist/", watchlist_views.watchlist, name="watchlist"),
    path("watchlist/add/", watchlist_views.watchlist_create, name="watchlist_add"),
    path("watchlist/<int:pk>/remove/", watchlist_views.watchlist_delete, name="watchlist_remove"),
    path("<int:pk>/confirm-domain/", views.confirm_domain, name="confirm_domain"),
    # A letter's launch: state, go-live time, invitation links, press previews.
    path("letters/", launch_views.letters, name="launch_letters"),
    path("letters/<int:pk>/", launch_views.launch_page, name="launch"),
    path("letters/<int:pk>/state/", launch_views.set_state, name="launch_state"),
    path("letters/<int:pk>/schedule/", launch_views.schedule, name="launch_schedule"),
    path("letters/<int:pk>/invitations/", launch_views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", launch_views.invitation_revoke, name="invitation_revoke"),
    path("letters/<int:pk>/previews/", launch_views.preview_create, name="preview_create"),
    path("previews/<int:pk>/expire/", launch_views.preview_expire, name="preview_expire"),
    # Deliveries of a letter, each bound to a checkpoint of its list's log.
    path("letters/<int:pk>/deliveries/", delivery_views.deliveries, name="deliveries"),
    path("letters/<int:pk>/deliveries/record/", delivery_views.delivery_create, name="delivery_create"),
    # Updates to signers: on the letter page, in the feed, and by email to those who asked.
    path("letters/<int:pk>/updates/", update_views.updates, name="updates"),
    path("letters/<int:pk>/updates/publish/", update_views.update_create, name="update_create"),
]
