from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from compliance import objection_views, subscription_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL_PREFIX, admin.site.urls),
    path("api/v1/schema.json", views.json_schema, {"which": "release"}, name="release-schema"),
    path(
        "api/v1/cookies.schema.json",
        views.json_schema,
        {"which": "cookies"},
        name="cookie-list-schema",
    ),
    path("api/v1/releases/latest.json", views.release_json, name="release-latest-json"),
    path("api/v1/releases/<int:number>.json", views.release_json, name="release-json"),
    path("api/v1/consent", views.consent_record, name="consent-record"),
    path("api/v1/consent/<str:library>.json", views.banner_config, name="consent-banner-config"),
    path("api/v1/<str:language>/cookies.json", views.cookie_list, name="cookie-list-json"),
    re_path(r"^brand/(?P<sha256>[0-9a-f]{64})\.png$", views.brand_logo, name="brand-logo"),
    re_path(
        r"^brand/accent/(?P<digits>[0-9a-f]{6})\.css$", views.brand_accent, name="brand-accent"
    ),
    path("embed/cookies.js", views.embed_script, name="embed-cookies"),
    path("embed/consent.js", views.consent_script, name="embed-consent"),
    path("preview/<str:language>/<str:page>/", views.preview, name="public-preview"),
    path(
        "<str:language>/subprocessors/subscribe/",
        subscription_views.subscribe,
        name="subscription-subscribe",
    ),
    path(
        "<str:language>/subprocessors/confirm/<str:token>/",
        subscription_views.confirm,
        name="subscription-confirm",
    ),
    path(
        "<str:language>/subprocessors/unsubscribe/<str:token>/",
        subscription_views.unsubscribe,
        name="subscription-unsubscribe",
    ),
    path(
        "<str:language>/subprocessors/object/<str:anchor>/",
        objection_views.objection,
        name="objection",
    ),
    path("<str:language>/subprocessors/feed.atom", views.feed, name="subprocessor-feed"),
    path("<str:language>/<str:page>/", views.page, name="public-page"),
]
