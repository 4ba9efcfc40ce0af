"""Settings for freefable, read from the environment.

Every variable has a default that runs locally with nothing installed (SQLite, a local-memory
cache, tasks in-process, emails printed to the terminal). `.env.example` lists them all. With
DEBUG off the site refuses to start without a real SECRET_KEY and ALLOWED_HOSTS, and turns on
secure cookies, HSTS and the other production protections.
"""

import secrets
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is read if present (never committed); the real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------

# DEBUG is off unless the environment turns it on: a deployment that forgets it must fail for
# lack of a SECRET_KEY, not run in debug mode with two-factor off. `make run` and the tests
# (Makefile, pyproject.toml) set DEBUG=1.
DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"  # noqa: S105 (local use only; refused when DEBUG is off)
# Keys that were ever printed in this repository (the old .env.example and Dockerfile): anyone
# can read them, so they sign nothing.
_PUBLISHED_SECRET_KEYS = {
    _DEV_SECRET_KEY,
    "change-me-to-a-long-random-string-of-50-or-more-characters",
    "build-only-not-secret-0123456789abcdefghijklmnop",
}
# Words of keys copied from a template instead of generated.
_PLACEHOLDER_WORDS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replaceme",
    "your-secret",
    "insecure",
    "example",
)


def _example_secret_key() -> str:
    """The SECRET_KEY that .env.example shows, if it shows one (it should not)."""
    path = BASE_DIR / ".env.example"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("SECRET_KEY="):
                return line.split("=", 1)[1].strip()
    return ""


def _secret_key_problem(key: str) -> str:
    """Why `key` cannot sign withdraw links and sessions in production ("" when it can).

    The length and variety rules are Django's own (check --deploy, security.W009).
    """
    if not key:
        return "it is empty"
    if key in _PUBLISHED_SECRET_KEYS or key == _example_secret_key():
        return "it is a published example key"
    if key.startswith("django-insecure-") or any(word in key.lower() for word in _PLACEHOLDER_WORDS):
        return "it is a placeholder, not a random key"
    if len(key) < 50 or len(set(key)) < 5:
        return "it is shorter than 50 characters or has fewer than 5 different characters"
    return ""


SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
# `manage.py verify_list` is what a journalist runs on their own machine against a site: it
# signs nothing, serves nothing and opens no database, so it needs no secret of ours.
RUNS_WITHOUT_SECRETS = sys.argv[1:2] == ["verify_list"]
if RUNS_WITHOUT_SECRETS and not SECRET_KEY:
    SECRET_KEY = secrets.token_urlsafe(50)  # a throwaway: nothing it could sign is kept
if not DEBUG and not RUNS_WITHOUT_SECRETS:
    if _problem := _secret_key_problem(SECRET_KEY):
        raise ImproperlyConfigured(
            f"DEBUG is off: set SECRET_KEY to a random string of 50+ characters ({_problem}). Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS to the site's host names.")

# Absolute base of the links in emails (confirm, withdraw). No trailing slash.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="freefable")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_ratelimit",
    "csp",
    "letter",
    "signatures",
    "moderation",
]

MIDDLEWARE = [
    # First: a repeat request for a shared page is answered before the rest runs (freefable/cache.py).
    "freefable.cache.SharedResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "freefable.csp.ConstantCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the switcher's cookie, else Accept-Language, else English. It reads
    # the cookie and header only (never the session), so public pages stay shareable.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "freefable.urls"
WSGI_APPLICATION = "freefable.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "freefable.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # No "SELECT 1" before each request's first query: a connection that broke (a database
    # restart) fails one request and is then replaced. Set CONN_HEALTH_CHECKS=1 to trade a round
    # trip per request for that.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
    # GIN indexes (search) take new entries into a pending list every search reads through:
    # 256 kB keeps it short (signatures migration 0021). An import raises it for its own batches.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c gin_pending_list_limit=256".strip()
# A read replica for the public pages' reads (signatures/selectors/public.py), when set. Writes,
# moderation and a signer's own pages stay on the primary, which sees its own writes at once;
# public pages may trail the primary by the replica's lag. Tests mirror it onto the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "TEST": {"MIRROR": "default"},
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits ---------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Loses nothing we need when Redis is down: see freefable/cache.py.
            "BACKEND": "freefable.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ff",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "freefable.views.ratelimited"
# A limit that cannot be counted (Redis down) lets the request through: losing a signature is
# worse than letting a burst in, and moderation still sees every signature.
RATELIMIT_FAIL_OPEN = True
# How many reverse proxies in front of the site append to X-Forwarded-For. 0 (the default)
# means the client IP is REMOTE_ADDR and the header is ignored, since anyone can forge it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth counts login failures per client address too: it must read the same entry of the
# header, or every visitor behind the proxy shares the proxy's counter.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
RATELIMIT_IP_META_KEY = "freefable.ratelimits.client_ip"
# Per-form limits, "count/period" as django-ratelimit reads them.
RATELIMITS = {
    "sign_ip": env.str("RATELIMIT_SIGN_IP", default="50/h"),  # offices and conferences share addresses
    "sign_email": env.str("RATELIMIT_SIGN_EMAIL", default="5/h"),
    "token_ip": env.str("RATELIMIT_TOKEN_IP", default="60/m"),
    "search_ip": env.str("RATELIMIT_SEARCH_IP", default="60/m"),
    "download_ip": env.str("RATELIMIT_DOWNLOAD_IP", default="30/m"),
}

SILENCED_SYSTEM_CHECKS = [
    # django_ratelimit does not know Django's own Redis backend (it is atomic: INCR).
    "django_ratelimit.W001",
]
if not REDIS_URL:
    # Local memory is per process; fine for `make run` and tests, not for production.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# With no broker, tasks run in-process when enqueued: nothing to install for `make run`.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a sign request when Redis is gone: the outbox row is kept and the
# sweep below sends it later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # A message not acknowledged within this time (its worker died) is delivered again.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    # How often a worker looks for such messages (seconds, and every Nth look scans Redis).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# With OUTBOX_RELAY on, a sign request only writes its outbox row; the beat task below hands new
# rows to the broker every OUTBOX_RELAY_SECONDS (emails leave up to that much later). Off, each
# request publishes after its commit (no beat needed: `make run`, the tests).
OUTBOX_RELAY = env.bool("OUTBOX_RELAY", default=False)
OUTBOX_RELAY_SECONDS = env.float("OUTBOX_RELAY_SECONDS", default=1.0)
CELERY_BEAT_SCHEDULE = {
    "send-unsent-emails": {
        "task": "signatures.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "erase-expired-unconfirmed": {
        "task": "signatures.tasks.erase_unconfirmed",
        "schedule": crontab(minute=17, hour=3),
    },
    # Letters scheduled to go live (go_live_at) do so within a minute; `make run` has no beat and
    # runs `publish_scheduled --every 60` instead.
    "publish-scheduled-letters": {
        "task": "moderation.tasks.publish_scheduled_letters",
        "schedule": 60.0,
    },
}
if OUTBOX_RELAY:
    CELERY_BEAT_SCHEDULE["relay-outbox"] = {"task": "signatures.tasks.relay_outbox", "schedule": OUTBOX_RELAY_SECONDS}

# --- Downloads: the whole list as files (signatures/services/downloads.py) -----------------

# Where a task writes them. Web and worker share it (a volume in compose; the proxy reads it).
EXPORTS_DIR = Path(env.str("EXPORTS_DIR", default=str(BASE_DIR / "var" / "exports")))
# The proxy's internal location for that folder (deploy/nginx.conf): the app answers with
# X-Accel-Redirect and nginx sends the bytes. Empty: the app sends them itself.
EXPORTS_ACCEL_REDIRECT = env.str("EXPORTS_ACCEL_REDIRECT", default="")
# A download that finds its file behind the list queues one rebuild this many seconds later
# (changes meanwhile share it); beat also looks every EXPORTS_REFRESH_SECONDS.
EXPORTS_DEBOUNCE_SECONDS = env.int("EXPORTS_DEBOUNCE_SECONDS", default=2)
EXPORTS_REFRESH_SECONDS = env.float("EXPORTS_REFRESH_SECONDS", default=10)
CELERY_BEAT_SCHEDULE["refresh-downloads"] = {
    "task": "signatures.tasks.refresh_downloads",
    "schedule": EXPORTS_REFRESH_SECONDS,
}

# Routes bench-only views (freefable/bench_views.py) that `make bench` measures the site against.
# Never set it in production.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# --- Updates to signers (signatures/services/updates.py) ------------------------------------

# Update emails queued per minute, by a beat task: the outbox and the SMTP relay stay free for
# signing's own confirmation emails during a large send.
UPDATES_PER_MINUTE = env.int("UPDATES_PER_MINUTE", default=600)
# The mailto of the List-Unsubscribe header; empty: DEFAULT_FROM_EMAIL's address.
UPDATES_UNSUBSCRIBE_EMAIL = env.str("UPDATES_UNSUBSCRIBE_EMAIL", default="")
CELERY_BEAT_SCHEDULE["send-updates"] = {"task": "signatures.tasks.send_updates", "schedule": 60.0}

# --- Email ----------------------------------------------------------------------------------

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# First retry delay after an SMTP failure; it doubles each time, up to 15 minutes.
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="freefable <letter@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Signatures -----------------------------------------------------------------------------

CONFIRM_TOKEN_MAX_AGE = env.int("CONFIRM_TOKEN_MAX_AGE", default=7 * 24 * 3600)
# Pending signatures whose link expired this many days ago are erased (data minimisation).
ERASE_UNCONFIRMED_AFTER_DAYS = env.int("ERASE_UNCONFIRMED_AFTER_DAYS", default=7)
# The most emails one signature can ever cause (confirmations, reminders, notices).
MAX_EMAILS_PER_SIGNATURE = env.int("MAX_EMAILS_PER_SIGNATURE", default=5)
# Signing again within this many seconds sends no second email of the same kind.
EMAIL_RESEND_COOLDOWN = env.int("EMAIL_RESEND_COOLDOWN", default=60)
# Emails the sign form can cause per day to one mailbox (jane+1@, "jane"@ and jane@ are one),
# and from one network (/24 or /48): anyone can type any address, so an inbox cannot be flooded.
EMAILS_PER_ADDRESS_PER_DAY = env.int("EMAILS_PER_ADDRESS_PER_DAY", default=5)
EMAILS_PER_NETWORK_PER_DAY = env.int("EMAILS_PER_NETWORK_PER_DAY", default=300)
# Bot traps: a form posted sooner than this after it was served, or older than the max, is a bot's.
FORM_MIN_SECONDS = env.float("FORM_MIN_SECONDS", default=2.0)
FORM_MAX_SECONDS = env.int("FORM_MAX_SECONDS", default=24 * 3600)
# This many signatures from one network within BURST_WINDOW_MINUTES marks the rest as a burst.
BURST_THRESHOLD = env.int("BURST_THRESHOLD", default=10)
BURST_WINDOW_MINUTES = env.int("BURST_WINDOW_MINUTES", default=10)
# Email the signer when a moderator approves their signature.
NOTIFY_SIGNER_ON_APPROVAL = env.bool("NOTIFY_SIGNER_ON_APPROVAL", default=True)

# --- Transparency log ----------------------------------------------------------------------

# The Ed25519 key that signs each letter's log checkpoints: base64 of its 32 bytes (or Go's
# PRIVATE+KEY+... note format); `manage.py tlog_keygen` makes one. TLOG_KEY_NAME is the name it
# signs under (default: SITE_URL's host). With DEBUG on and no key, a development key derived
# from SECRET_KEY signs; with DEBUG off and no key nothing can be signed, and `check --deploy`
# says so (signatures/checks.py).
TLOG_SIGNING_KEY = env.str("TLOG_SIGNING_KEY", default="")
TLOG_KEY_NAME = env.str("TLOG_KEY_NAME", default="")

# --- Auth (moderators, django-allauth) ------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "moderation:queue"
ACCOUNT_ADAPTER = "moderation.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# A moderator account is a key to the public list, so one stolen session must not be enough to
# take it over: an address added to the account counts only once it is verified (and replaces
# the old one), changes to email, password and two-factor ask for the password again, and the
# account's address is told of each change. `add_moderator` marks the first address verified.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {"reset_password": "moderation.accounts.VerifiedOnlyResetPasswordForm"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# The password-reset form mails nothing to an address without an account: no "unknown
# account" notices to arbitrary inboxes, sent from the web worker.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Failed logins lock out the failing client, not the account: allauth's default (5 per 5 min
# per account, from anywhere) let anyone keep a moderator out with a few requests a minute.
# allauth counts per "ip", per "key" (here the account's email; in the two-factor step, the
# user) or per "user", never per pair, so:
# - 5 failures in 5 minutes from one address (/64 for IPv6) stop that address, whatever
#   account it tries; the account's owner elsewhere is unaffected;
# - 100 failures an hour on one account, from all addresses together, stop guessing from many
#   addresses. One address can make at most 60 an hour, so it alone cannot reach this ceiling.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,100/h/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MODERATORS_REQUIRE_MFA = env.bool("MODERATORS_REQUIRE_MFA", default=not DEBUG)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation, static files -----------------------------------------------------

# Every page and email in English or Spanish: the switcher's cookie (LANGUAGE_COOKIE_NAME), else
# the browser's Accept-Language, else LANGUAGE_CODE. One catalog for the project, in locale/.
# A letter's text has translations of its own (letter.LetterVersion.language).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Whitenoise serves static files from the app itself. No manifest: a server started without
# `collectstatic` (a test, a quick look at production settings) still renders every page, and
# the finders serve what was not collected. Compose runs collectstatic for compressed files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Security -------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # /healthz is probed over plain HTTP by load balancers and orchestrators.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# No inline script or style anywhere: everything is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
