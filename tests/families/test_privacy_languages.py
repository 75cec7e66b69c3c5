"""The privacy page in the parent's language.

A parent page links to the privacy page as `/privacy/?taal=<its language>`:
the same text then comes in that language, right to left for Arabic, in the
parent pages' frame without the staff menu. Any other `taal` gives the staff
page in the staff language, and the staff and login pages link to it plainly.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# The page's heading, and its retention sentence for 3 years (a plural form
# other than the one for 1 in every language), as each catalog has them.
HEADINGS = {
    "nl": "Privacy: wat Samenspraak bewaart, en waarom",
    "en": "Privacy: what Samenspraak keeps, and why",
    "ar": "الخصوصية: ما الذي يحفظه Samenspraak، ولماذا",
    "tr": "Gizlilik: Samenspraak neleri saklıyor ve neden",
    "pl": "Prywatność: co przechowuje Samenspraak i dlaczego",
    "uk": "Конфіденційність: що зберігає Samenspraak і навіщо",
}
THREE_YEARS = {
    "nl": "Alles over een kind wordt verwijderd 3 jaar nadat",
    "en": "Everything about a child is deleted 3 years after",
    "ar": "يُحذف كل شيء عن الطفل بعد 3 سنوات",
    "tr": "ayrıldıktan 3 yıl sonra silinir",
    "pl": "Wszystkie informacje o dziecku są usuwane 3 lata po tym",
    "uk": "Усе про дитину видаляється через 3 роки після",
}
PRIVACY_HREF = re.compile(r'href="(/privacy/[^"]*)"')


def _privacy_hrefs(html: str) -> list[str]:
    return PRIVACY_HREF.findall(html)


def test_it_knows_a_heading_for_every_parent_language():
    assert set(HEADINGS) == set(THREE_YEARS) == set(settings.PARENT_LANGUAGES)


@pytest.mark.parametrize("language", settings.PARENT_LANGUAGES)
def test_it_shows_the_page_in_the_parent_language(client, settings, language):
    settings.RETENTION_YEARS = 3

    response = client.get(reverse("privacy"), {"taal": language})

    assert response.status_code == 200
    assert response["Content-Language"] == language
    content = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in content
    assert f"<h1>{HEADINGS[language]}</h1>" in content
    assert THREE_YEARS[language] in content


@pytest.mark.parametrize("language", settings.PARENT_LANGUAGES)
def test_it_shows_parents_the_parent_frame_without_the_staff_menu(client, language):
    content = client.get(reverse("privacy"), {"taal": language}).content.decode()
    assert 'class="parent-header"' in content
    assert 'class="site-header"' not in content
    assert reverse("set_language") not in content
    assert reverse("login") not in content


def test_it_keeps_the_staff_page_without_a_language(client):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("privacy"))
    content = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in content
    assert 'class="site-header"' in content
    assert f"<h1>{HEADINGS['en']}</h1>" in content


@pytest.mark.parametrize(
    "taal", ["de", "", "AR", "ar-sa", "zh-hans", "../nl", "tr<script>", "x" * 500]
)
def test_it_gives_the_staff_page_for_any_other_language(client, taal):
    response = client.get(reverse("privacy"), {"taal": taal})
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    content = response.content.decode()
    assert '<html lang="nl">' in content
    assert 'class="site-header"' in content
    assert f"<h1>{HEADINGS['nl']}</h1>" in content


def test_it_follows_the_staff_language_with_an_unknown_language(teacher_client):
    teacher_client.cookies["django_language"] = "en"
    content = teacher_client.get(reverse("privacy"), {"taal": "de"}).content.decode()
    assert '<html lang="en">' in content
    assert f"<h1>{HEADINGS['en']}</h1>" in content


@pytest.mark.parametrize("language", settings.PARENT_LANGUAGES)
def test_it_links_a_parent_page_to_the_privacy_page_in_its_language(client, parent_link, language):
    parent_link.language = language
    parent_link.save(update_fields=["language"])

    home = client.get(reverse("parent_home", kwargs={"token": parent_link.token}))

    [href] = _privacy_hrefs(home.content.decode())
    assert href == f"{reverse('privacy')}?taal={language}"
    privacy = client.get(href)
    assert f"<h1>{HEADINGS[language]}</h1>" in privacy.content.decode()


def test_it_puts_no_token_or_personal_data_in_the_privacy_address(client, parent_link, child):
    home = client.get(reverse("parent_home", kwargs={"token": parent_link.token}))

    [href] = _privacy_hrefs(home.content.decode())
    address = urlsplit(href)
    assert address.path == reverse("privacy")
    assert parse_qs(address.query) == {"taal": [parent_link.language]}
    for private in (parent_link.token, str(parent_link.pk), child.first_name):
        assert private not in href
    # The parent page sends no Referer either, so the privacy page never sees the token.
    assert home["Referrer-Policy"] == "no-referrer"


def test_it_keeps_the_staff_and_login_links_plain(client, teacher_client, child):
    login_page = client.get(reverse("login")).content.decode()
    staff_page = teacher_client.get(child.get_absolute_url()).content.decode()
    assert set(_privacy_hrefs(login_page)) == {reverse("privacy")}
    assert set(_privacy_hrefs(staff_page)) == {reverse("privacy")}
