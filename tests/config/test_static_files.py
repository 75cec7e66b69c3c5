from __future__ import annotations

import io
import re

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_it_collects_static_files_under_hashed_names(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
        css_url = staticfiles_storage.url("css/app.css")
        htmx_url = staticfiles_storage.url("js/vendor/htmx-2.0.11.min.js")
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css_url)
    assert re.fullmatch(r"/static/js/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", htmx_url)
    # whitenoise also writes compressed copies to serve.
    assert list(tmp_path.glob("css/app.*.css.gz"))
