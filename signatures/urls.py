from django.urls import path

from .views import feeds, log, press, public, signing, updates

app_name = "signatures"

# The letter pages are the signing pages; they keep the "letter" namespace their URLs always had.
letter_patterns = (
    [
        path("", signing.home, name="home"),
        path("letters/<slug:slug>/", signing.detail, name="detail"),
        path("verification/", public.method, name="method"),
    ],
    "letter",
)

urlpatterns = [
    path("letters/<slug:slug>/sign/", signing.sign, name="sign"),
    path("letters/<slug:slug>/check-your-email/", signing.check_email, name="check_email"),
    path("letters/<slug:slug>/confirmed/", signing.confirmed, name="confirmed"),
    path("letters/<slug:slug>/withdrawn/", signing.withdrawn, name="withdrawn"),
    path("letters/<slug:slug>/signatures/", public.signature_list, name="list"),
    path("letters/<slug:slug>/signatures.csv", public.signatures_csv, name="csv"),
    path("letters/<slug:slug>/signatures.json", public.signatures_json, name="json"),
    path("letters/<slug:slug>/signatures-all.json", public.signatures_all_json, name="all_json"),
    path("letters/<slug:slug>/count.json", public.count_json, name="count"),
    path("letters/<slug:slug>/press/", press.press, name="press"),
    path("letters/<slug:slug>/feed.atom", feeds.ApprovedFeed(), name="feed"),
    path("letters/<slug:slug>/card.png", public.card, name="card"),
    path("letters/<slug:slug>/log/checkpoint", log.checkpoint, name="log_checkpoint"),
    path("letters/<slug:slug>/log/checkpoints", log.checkpoints, name="log_checkpoints"),
    path("letters/<slug:slug>/log/checkpoints/<int:size>.txt", log.checkpoint_at, name="log_checkpoint_at"),
    path("letters/<slug:slug>/log/key", log.key, name="log_key"),
    path("letters/<slug:slug>/log/proof", log.proof, name="log_proof"),
    path("letters/<slug:slug>/log/consistency", log.consistency, name="log_consistency"),
    path("letters/<slug:slug>/log/leaves", log.leaves, name="log_leaves"),
    path("confirm/<str:token>/", signing.confirm, name="confirm"),
    path("confirm/<str:token>/new-link/", signing.confirm_resend, name="confirm_resend"),
    path("withdraw/<str:token>/", signing.withdraw, name="withdraw"),
    path("unsubscribe/<str:token>/", updates.unsubscribe, name="unsubscribe"),
]
