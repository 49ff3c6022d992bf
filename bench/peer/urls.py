"""URLs of the peer project: django-helpdesk builds ticket links into its mails with them."""

from django.urls import include, path  # type: ignore[import-not-found]

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
