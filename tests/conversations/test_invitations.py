"""The professional's side of the parents' links: the "Parents beforehand"
step, making, emailing, printing and revoking a link, the interpreter request,
the "summary is ready" email and the parents' replies."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import segno
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from conversations import parent_links
from conversations.models import (
    AgendaItem,
    Conversation,
    ConversationText,
    Kind,
    ParentLink,
    QuestionnaireAnswer,
)
from conversations.services import agenda_sync_parent_topics, text_save
from conversations.steps import steps_for
from conversations.summary import SHARED_SUMMARY_KEY
from families.languages import Language
from tests import factories
from tests.queries import SESSION_RENEWAL_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_clients")]

SECRET_NOTE = "Vader werkt nachtdiensten"


@pytest.fixture
def ayse(family):
    return family.guardians.get(first_name="Ayşe")


@pytest.fixture
def kemal(family):
    return factories.make_guardian(
        family, first_name="Kemal", last_name="Yilmaz", relation="father", email=""
    )


@pytest.fixture
def planned(conversation):
    """The welbevindengesprek with a date, a time and a place."""
    conversation.date = timezone.localdate() + dt.timedelta(days=10)
    conversation.start_time = dt.time(15, 30)
    conversation.place = "Lokaal groep 3"
    conversation.save()
    ConversationText.objects.create(
        conversation=conversation, key="prep_parent_needs_note", text=SECRET_NOTE, version=1
    )
    return conversation


def _step(conversation) -> str:
    return reverse("preparation_step", args=[conversation.pk, "ouders-vooraf"])


def _url(name: str, conversation, guardian) -> str:
    return reverse(name, args=[conversation.pk, guardian.pk])


def _link(conversation, guardian) -> ParentLink | None:
    return ParentLink.objects.filter(conversation=conversation, guardian=guardian).first()


def _answer(link, question: str, choices=(), text: str = "", language: str = "") -> None:
    QuestionnaireAnswer.objects.create(
        link=link,
        question=question,
        choices=list(choices),
        text=text,
        text_language=language if text else "",
    )


# The step


def test_it_puts_parents_beforehand_second_for_every_kind_but_informal():
    for kind in Kind.values:
        slugs = [step.slug for step in steps_for(kind)]
        if kind == Kind.INFORMAL:
            assert "ouders-vooraf" not in slugs
        else:
            assert slugs[1] == "ouders-vooraf", kind


def test_it_lists_every_guardian_of_the_child_without_a_link(
    teacher_client, conversation, ayse, kemal
):
    content = teacher_client.get(_step(conversation)).content.decode()

    assert ">Parents beforehand</h2>" in content
    assert "Ayşe Yilmaz" in content
    assert "Kemal Yilmaz" in content
    assert content.count("No link yet") == 2
    assert _url("parent_link_create", conversation, ayse) in content
    assert "no email address" in content
    # Ayşe's family speaks Turkish: her link would open in Turkish.
    assert re.search(r'<option value="tr" selected>Turkish – Türkçe</option>', content)


def test_it_renders_the_step_as_an_htmx_partial(teacher_client, conversation, ayse):
    factories.make_parent_link(conversation, ayse)

    response = teacher_client.get(_step(conversation), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="step"')
    assert f'id="guardian-{ayse.pk}"' in content
    assert f'data-copy-link="link-{ayse.pk}"' in content


def test_it_makes_a_link_in_the_chosen_language(teacher_client, teacher, conversation, ayse):
    response = teacher_client.post(
        _url("parent_link_create", conversation, ayse), {"language": "en"}, follow=True
    )

    link = _link(conversation, ayse)
    assert link is not None
    assert link.language == "en"
    assert link.created_by == teacher
    assert response.redirect_chain[-1][0] == _step(conversation) + f"#guardian-{ayse.pk}"
    content = response.content.decode()
    assert "The link for Ayşe Yilmaz is ready." in content
    url = "http://testserver" + reverse("parent_home", args=[parent_links.token_of(link)])
    # The link in a read-only box (the path without JavaScript), and the copy button.
    assert re.search(rf'<input type="text" id="link-{ayse.pk}"[^>]*value="{url}" readonly', content)
    assert f'data-copy-link="link-{ayse.pk}"' in content
    assert "js/copy_link.js" in content
    assert "active</span> works until" in content
    assert "no-store" in response["Cache-Control"]


def test_it_changes_the_language_of_an_existing_link(teacher_client, conversation, ayse):
    link = factories.make_parent_link(conversation, ayse)

    response = teacher_client.post(
        _url("parent_link_create", conversation, ayse), {"language": "pl"}, follow=True
    )

    assert "Ayşe&#x27;s link now opens in Polish." in response.content.decode()
    refreshed = _link(conversation, ayse)
    assert refreshed.language == "pl"
    assert refreshed.token_hash == link.token_hash


def test_it_shows_the_coordinator_the_state_but_no_link_and_no_actions(
    coordinator_client, conversation, ayse
):
    link = factories.make_parent_link(conversation, ayse)

    content = coordinator_client.get(_step(conversation)).content.decode()

    assert "Ayşe Yilmaz" in content
    assert "works until" in content
    assert link.token not in content
    assert _url("parent_link_invite", conversation, ayse) not in content
    assert _url("parent_link_revoke", conversation, ayse) not in content
    assert _url("parent_link_letter", conversation, ayse) not in content


@pytest.mark.parametrize("name", ["parent_link_create", "parent_link_invite", "parent_link_revoke"])
def test_it_lets_only_the_professionals_of_the_child_act(
    name, teacher2_client, other_coordinator_client, coordinator_client, conversation, ayse
):
    link = factories.make_parent_link(conversation, ayse)
    url = _url(name, conversation, ayse)

    for outsider in (teacher2_client, other_coordinator_client, coordinator_client):
        assert outsider.post(url).status_code == 404
    assert _link(conversation, ayse).revoked_at is None
    assert _link(conversation, ayse).invited_at is None
    assert mail.outbox == []
    assert link.token_hash == _link(conversation, ayse).token_hash


def test_it_refuses_a_guardian_of_another_family_and_an_informal_contact(
    teacher_client, teacher, conversation, child, other_child
):
    stranger = other_child.family.guardians.get()
    informal = factories.make_conversation(child, teacher, kind=Kind.INFORMAL)
    guardian = child.family.guardians.first()

    assert (
        teacher_client.post(_url("parent_link_create", conversation, stranger)).status_code == 404
    )
    assert teacher_client.post(_url("parent_link_create", informal, guardian)).status_code == 404
    assert teacher_client.get(_url("parent_link_letter", conversation, stranger)).status_code == 404
    assert not ParentLink.objects.exists()


def test_it_accepts_only_posts_for_actions(teacher_client, conversation, ayse):
    for name in ("parent_link_create", "parent_link_invite", "parent_link_revoke"):
        assert teacher_client.get(_url(name, conversation, ayse)).status_code == 405
    assert (
        teacher_client.get(reverse("interpreter_accept", args=[conversation.pk])).status_code == 405
    )
    assert teacher_client.post(_url("parent_link_letter", conversation, ayse)).status_code == 405


# The invitation email


def test_it_emails_the_invitation_in_the_parents_language(teacher_client, teacher, planned, ayse):
    response = teacher_client.post(_url("parent_link_invite", planned, ayse), follow=True)

    link = _link(planned, ayse)
    assert link.invited_at is not None
    assert link.language == "tr"
    assert f"The invitation is emailed to Ayşe Yilmaz ({ayse.email})." in (
        response.content.decode()
    )
    [message] = mail.outbox
    assert message.to == [ayse.email]
    assert message.reply_to == [teacher.email]
    assert message.extra_headers["Content-Language"] == "tr"
    url = "http://testserver" + reverse("parent_home", args=[parent_links.token_of(link)])
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    with translation.override("tr"):
        greeting = gettext("Dear %(name)s,") % {"name": "Ayşe"}
        day = date_format(planned.date, "l j F Y")
        last_day = date_format(planned.date + dt.timedelta(days=30), "j F Y")
    for body in (message.body, html):
        assert greeting in body
        assert f"{day}, 15:30" in body
        assert "Lokaal groep 3" in body
        assert url in body
        assert last_day in body
        assert "Emre" in body
        assert "Yilmaz" not in body  # neither the child's nor the parent's last name
        assert SECRET_NOTE not in body
    assert 'lang="tr"' in html
    assert 'dir="ltr"' in html
    assert "Emre" in message.subject
    assert "Yilmaz" not in message.subject


def test_it_writes_an_arabic_email_right_to_left(teacher_client, planned, ayse):
    factories.make_parent_link(planned, ayse)
    teacher_client.post(_url("parent_link_create", planned, ayse), {"language": "ar"})

    teacher_client.post(_url("parent_link_invite", planned, ayse))

    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert 'lang="ar" dir="rtl"' in html
    with translation.override("ar"):
        assert date_format(planned.date, "l j F Y") in message.body


def test_it_sends_nothing_to_a_parent_without_email_and_points_to_the_letter(
    teacher_client, planned, kemal
):
    factories.make_parent_link(planned, kemal)

    response = teacher_client.post(_url("parent_link_invite", planned, kemal), follow=True)

    assert mail.outbox == []
    content = response.content.decode()
    assert "Kemal Yilmaz has no email address, so nothing was sent." in content
    assert "Print the letter" in content
    assert _link(planned, kemal).invited_at is None
    # No invitation button for Kemal, the letter instead.
    assert _url("parent_link_invite", planned, kemal) not in content
    assert _url("parent_link_letter", planned, kemal) in content


def test_it_makes_the_link_when_emailing_without_one(teacher_client, planned, ayse):
    teacher_client.post(_url("parent_link_invite", planned, ayse))

    assert _link(planned, ayse).invited_at is not None
    assert len(mail.outbox) == 1


def test_it_does_not_email_a_revoked_link(teacher_client, planned, ayse):
    link = factories.make_parent_link(planned, ayse)
    parent_links.link_revoke(link=link)

    response = teacher_client.post(_url("parent_link_invite", planned, ayse), follow=True)

    assert mail.outbox == []
    assert "link no longer works, so nothing was sent" in response.content.decode()
    assert _link(planned, ayse).revoked_at is not None


# Revoking and a new link


def test_it_revokes_a_link_and_makes_a_new_one_that_keeps_the_answers(
    client, teacher_client, conversation, ayse
):
    old = factories.make_parent_link(conversation, ayse)
    _answer(old, "feeling", ["good"])

    response = teacher_client.post(_url("parent_link_revoke", conversation, ayse), follow=True)

    assert "link no longer works. You can make a new one." in response.content.decode()
    assert client.get(reverse("parent_home", args=[old.token])).status_code == 410
    content = response.content.decode()
    assert "revoked</span>" in content
    assert _url("parent_link_create", conversation, ayse) in content

    response = teacher_client.post(_url("parent_link_create", conversation, ayse), follow=True)

    assert "has a new link. The old link no longer works; the answers are kept." in (
        response.content.decode()
    )
    new = _link(conversation, ayse)
    new_token = parent_links.token_of(new)
    assert new_token != old.token
    assert new.pk == old.pk
    # The old token is no longer known at all.
    assert client.get(reverse("parent_home", args=[old.token])).status_code == 404
    assert client.get(reverse("parent_home", args=[new_token])).status_code == 200
    assert list(new.answers.values_list("question", flat=True)) == ["feeling"]


def test_it_answers_404_when_revoking_a_link_that_does_not_exist(
    teacher_client, conversation, ayse
):
    assert teacher_client.post(_url("parent_link_revoke", conversation, ayse)).status_code == 404


# The letter


def test_it_prints_a_letter_with_a_qr_code_of_the_link(teacher_client, planned, ayse):
    link = factories.make_parent_link(planned, ayse)

    response = teacher_client.get(_url("parent_link_letter", planned, ayse))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    url = "http://testserver" + reverse("parent_home", args=[link.token])
    letter = content[content.index('<article class="letter"') :]
    assert letter.startswith('<article class="letter" lang="tr" dir="ltr"')
    assert f'<p class="letter__url" dir="ltr">{url}</p>' in letter
    # The QR code encodes exactly this link: the same matrix drawn again.
    drawn = re.search(r'<path class="qr__modules" stroke="#000" d="([^"]+)"', letter)
    assert drawn is not None
    expected = segno.make(url, error="m").svg_inline(omitsize=True, border=4)
    assert f'd="{drawn.group(1)}"' in expected
    assert "style=" not in letter
    assert "Emre" in letter
    assert "Yilmaz" not in letter
    assert SECRET_NOTE not in content
    with translation.override("tr"):
        assert date_format(planned.date, "l j F Y") in letter
    assert "css/letter.css" in content


def test_it_sends_the_teacher_back_when_there_is_no_working_link(
    teacher_client, conversation, ayse
):
    response = teacher_client.get(_url("parent_link_letter", conversation, ayse), follow=True)

    assert response.redirect_chain[-1][0] == _step(conversation) + f"#guardian-{ayse.pk}"
    assert "has no working link. Make a link first" in response.content.decode()


def test_it_keeps_the_letter_from_coordinators_and_outsiders(
    coordinator_client, teacher2_client, other_coordinator_client, client, conversation, ayse
):
    link = factories.make_parent_link(conversation, ayse)
    url = _url("parent_link_letter", conversation, ayse)

    for outsider in (coordinator_client, teacher2_client, other_coordinator_client):
        response = outsider.get(url)
        assert response.status_code == 404
        assert link.token not in response.content.decode()
    assert client.get(url).status_code == 302


# The answers in the preparation


def _answered(conversation, guardian, *, language="tr") -> ParentLink:
    link = factories.make_parent_link(conversation, guardian)
    _answer(link, "feeling", ["very_good"])
    _answer(
        link,
        "happy_safe",
        ["routine", "friends"],
        "Hij houdt van de zandbak" if language == "nl" else "Kum havuzunu çok seviyor",
        language,
    )
    _answer(link, "topics", ["friends", "learning", "home"])
    _answer(link, "support", ["tips"])
    _answer(link, "anything_else", [], "أخوه الصغير ولد في الصيف", "ar")
    return link


def test_it_shows_the_answers_in_the_staff_language_with_free_text_marked(
    teacher_client, conversation, ayse
):
    link = _answered(conversation, ayse)
    link.submitted_at = timezone.now()
    link.save()

    content = teacher_client.get(_step(conversation)).content.decode()

    assert "What Ayşe answered" in content
    assert "Very good" in content
    assert "Knowing what will happen during the day · Friends to play with" in content
    assert re.search(
        r"<ol class=\"parent-answers__ranked\"><li>Friends and playing together</li>"
        r"<li>Learning and development</li><li>How things are going at home</li></ol>",
        content,
    )
    assert '<q lang="tr" dir="auto">Kum havuzunu çok seviyor</q> ' in content
    assert '<span class="parent-answers__language">(Turkish)</span>' in content
    assert '<q lang="ar" dir="auto">أخوه الصغير ولد في الصيف</q>' in content
    assert "(Arabic)" in content
    assert "sent</span> on" in content


def test_it_shows_the_answers_with_dutch_labels_to_dutch_staff(teacher_client, conversation, ayse):
    _answered(conversation, ayse)
    teacher_client.cookies["django_language"] = "nl"

    content = teacher_client.get(_step(conversation)).content.decode()

    with translation.override("nl"):
        very_good = gettext("Very good")
        turkish = str(Language.TURKISH.label)
    assert very_good in content
    assert f"({turkish})" in content


def test_it_reads_all_answers_in_a_constant_number_of_queries(
    teacher_client, teacher, child, django_assert_max_num_queries
):
    few = factories.make_conversation(child, teacher)
    _answered(few, child.family.guardians.first())
    many = factories.make_conversation(child, teacher)
    for number in range(6):
        guardian = factories.make_guardian(child.family, first_name=f"Ouder{number}")
        _answered(many, guardian)

    teacher_client.get(_step(few))  # the first request of a login checks more

    def queries(conversation) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert teacher_client.get(_step(conversation)).status_code == 200
        return len(captured)

    assert queries(many) == queries(few)
    with django_assert_max_num_queries(10 + SESSION_RENEWAL_QUERIES):
        teacher_client.get(_step(many))


def test_it_shows_the_parents_topics_first_on_the_agenda_marked_as_theirs(
    teacher_client, conversation, ayse
):
    AgendaItem.objects.create(conversation=conversation, title="Slapen", position=0)
    link = factories.make_parent_link(conversation, ayse)
    _answer(link, "topics", ["friends"])
    agenda_sync_parent_topics(conversation=conversation)

    content = teacher_client.get(
        reverse("preparation_step", args=[conversation.pk, "agenda"])
    ).content.decode()

    first = content.index('class="prep-agenda__title"')
    assert content[first:].startswith('class="prep-agenda__title">Vriendjes en samen spelen<')
    assert "parent · from the questions beforehand</span>" in content


def test_it_marks_the_step_done_once_a_link_exists(teacher_client, conversation, ayse):
    before = teacher_client.get(_step(conversation)).content.decode()
    factories.make_parent_link(conversation, ayse)
    after = teacher_client.get(_step(conversation)).content.decode()

    assert "0 of 6 steps filled in" in before
    assert "1 of 6 steps filled in" in after


# Meeting mode


def test_it_shows_the_answers_compactly_in_meeting_mode(
    teacher_client, coordinator_client, conversation, ayse, django_assert_max_num_queries
):
    _answered(conversation, ayse)
    for number in range(4):
        _answered(conversation, factories.make_guardian(ayse.family, first_name=f"Ouder{number}"))

    url = reverse("meeting_mode", args=[conversation.pk])
    teacher_client.get(url)  # the first request of a login checks more

    with django_assert_max_num_queries(12 + SESSION_RENEWAL_QUERIES):
        response = teacher_client.get(url)

    content = response.content.decode()
    assert "What the parents answered beforehand" in content
    assert content.count('<details class="meeting-answers">') == 5
    assert "5 answers · not sent yet" in content
    assert "parent-answers--compact" in content
    assert '<q lang="ar" dir="auto">' in content
    read_only = coordinator_client.get(reverse("meeting_mode", args=[conversation.pk]))
    assert "What the parents answered beforehand" in read_only.content.decode()


def test_it_shows_no_answers_panel_before_anyone_answered(teacher_client, conversation, ayse):
    factories.make_parent_link(conversation, ayse)

    content = teacher_client.get(reverse("meeting_mode", args=[conversation.pk])).content.decode()

    assert "What the parents answered beforehand" not in content


# The interpreter


def _asks_interpreter(conversation, guardian, language="ar", text="") -> ParentLink:
    link = factories.make_parent_link(conversation, guardian)
    _answer(link, "interpreter", [language], text, "tr")
    return link


def test_it_makes_an_interpreter_request_stand_out_and_suggests_more_time(
    teacher_client, coordinator_client, conversation, ayse
):
    _asks_interpreter(conversation, ayse)

    for client, url in (
        (teacher_client, _step(conversation)),
        (teacher_client, conversation.get_absolute_url()),
    ):
        content = client.get(url).content.decode()
        assert "Ayşe Yilmaz asks for an interpreter (Arabic)." in content
        assert "Plan 45 minutes instead of 30" in content
        assert reverse("interpreter_accept", args=[conversation.pk]) in content
    read_only = coordinator_client.get(_step(conversation)).content.decode()
    assert "Ayşe Yilmaz asks for an interpreter (Arabic)." in read_only
    assert reverse("interpreter_accept", args=[conversation.pk]) not in read_only


def test_it_plans_the_interpreter_and_the_longer_time_in_one_click(
    teacher_client, conversation, ayse
):
    _asks_interpreter(conversation, ayse)

    response = teacher_client.post(
        reverse("interpreter_accept", args=[conversation.pk]), {"language": "ar"}, follow=True
    )

    conversation.refresh_from_db()
    assert conversation.interpreter
    assert conversation.interpreter_language == "Arabisch"
    assert conversation.duration_minutes == 45
    content = response.content.decode()
    assert response.redirect_chain[-1][0] == _step(conversation) + "#parent-links"
    assert "An interpreter (Arabisch) is planned, and 45 minutes for the conversation." in content
    assert "Planned: an interpreter (Arabisch) and 45 minutes." in content
    assert 'name="language" value="ar"' not in content


def test_it_goes_back_to_the_conversation_page_when_accepted_there(
    teacher_client, conversation, ayse
):
    _asks_interpreter(conversation, ayse, language="other", text="Koerdisch (Kurmanci)")

    response = teacher_client.post(
        reverse("interpreter_accept", args=[conversation.pk]),
        {"language": "Koerdisch (Kurmanci)", "back": "detail"},
    )

    assert response["Location"] == conversation.get_absolute_url()
    conversation.refresh_from_db()
    assert conversation.interpreter_language == "Koerdisch (Kurmanci)"


def test_it_suggests_half_as_long_again_for_a_longer_conversation(
    teacher_client, conversation, ayse
):
    conversation.duration_minutes = 60
    conversation.save()
    _asks_interpreter(conversation, ayse)

    teacher_client.post(reverse("interpreter_accept", args=[conversation.pk]), {"language": "ar"})

    conversation.refresh_from_db()
    assert conversation.duration_minutes == 90


def test_it_only_lengthens_the_meeting_when_an_interpreter_is_planned_already(
    teacher_client, conversation, ayse
):
    conversation.interpreter = True
    conversation.interpreter_language = "Turks"
    conversation.save()
    _asks_interpreter(conversation, ayse, language="tr")

    content = teacher_client.get(_step(conversation)).content.decode()
    assert "An interpreter (Turks) is planned." in content
    assert "Plan 45 minutes</button>" in content

    teacher_client.post(reverse("interpreter_accept", args=[conversation.pk]), {"language": "tr"})

    conversation.refresh_from_db()
    assert (conversation.interpreter_language, conversation.duration_minutes) == ("Turks", 45)
    content = teacher_client.get(_step(conversation)).content.decode()
    assert "Planned: an interpreter (Turks) and 45 minutes." in content


def test_it_changes_nothing_for_a_language_nobody_asked_for(teacher_client, conversation, ayse):
    _asks_interpreter(conversation, ayse)

    for data in ({}, {"language": "pl"}, {"language": "no"}):
        response = teacher_client.post(
            reverse("interpreter_accept", args=[conversation.pk]), data, follow=True
        )
        assert "No parent asked for an interpreter in this language." in (response.content.decode())
    conversation.refresh_from_db()
    assert not conversation.interpreter
    assert conversation.duration_minutes == 30


def test_it_lets_only_the_professionals_of_the_child_plan_the_interpreter(
    teacher2_client, other_coordinator_client, coordinator_client, conversation, ayse
):
    _asks_interpreter(conversation, ayse)
    url = reverse("interpreter_accept", args=[conversation.pk])

    for outsider in (teacher2_client, other_coordinator_client, coordinator_client):
        assert outsider.post(url, {"language": "ar"}).status_code == 404
    conversation.refresh_from_db()
    assert not conversation.interpreter


# The summary


SUMMARY = "Dank u wel voor het gesprek. Emre leest graag; we lezen samen op vrijdag."


def _share(client, conversation):
    return client.post(
        reverse("summary_share", args=[conversation.pk]),
        {"text-summary": SUMMARY, "version-summary": "0"},
        follow=True,
    )


def test_it_emails_the_parents_that_the_summary_is_ready(
    teacher_client, planned, ayse, kemal, child
):
    other = factories.make_guardian(child.family, first_name="Elif", email="elif@example.org")
    parent_links.link_revoke(link=factories.make_parent_link(planned, other))
    # Ayşe and Kemal take part; Elif's link was revoked, so she hears nothing.
    planned.guardians.set([ayse, kemal])

    response = _share(teacher_client, planned)

    content = response.content.decode()
    assert "The summary is marked as shared with the parents." in content
    assert "1 parent got an email that the summary is ready to read." in content
    assert "No email address for Kemal Yilmaz" in content
    [message] = mail.outbox
    assert message.to == [ayse.email]
    link = _link(planned, ayse)
    assert link is not None
    assert link.summary_sent_at is not None
    assert _link(planned, kemal) is None
    assert _link(planned, other).summary_sent_at is None
    url = "http://testserver" + reverse("parent_home", args=[parent_links.token_of(link)])
    html = message.alternatives[0][0]
    for body in (message.body, html, message.subject):
        assert "Emre" in body
        assert "Yilmaz" not in body
        assert "leest graag" not in body
    assert url in message.body
    assert url in html
    assert message.extra_headers["Content-Language"] == "tr"


def test_it_sends_no_email_when_the_summary_cannot_be_shared(teacher_client, planned, ayse):
    teacher_client.post(reverse("summary_share", args=[planned.pk]), follow=True)

    assert mail.outbox == []
    assert not ParentLink.objects.exists()


def _reply(link, *, version=None, comment="", language="") -> None:
    link.summary_confirmed_at = timezone.now() if version else None
    link.summary_confirmed_version = version
    link.summary_comment = comment
    link.summary_comment_language = language
    link.summary_comment_at = timezone.now() if comment else None
    link.save()


def test_it_shows_each_parents_reply_to_the_summary(
    teacher_client, coordinator_client, teacher, planned, ayse, kemal
):
    _share(teacher_client, planned)
    text_save(
        conversation=planned,
        key="summary",
        text=SUMMARY + " Aangevuld.",
        base_version=1,
        user=teacher,
    )
    _share_again = teacher_client.post(
        reverse("summary_share", args=[planned.pk]),
        {"text-summary": SUMMARY + " Aangevuld.", "version-summary": "2"},
    )
    assert _share_again.status_code == 302
    shared = ConversationText.objects.get(conversation=planned, key=SHARED_SUMMARY_KEY).version
    _reply(_link(planned, ayse), version=shared)
    _reply(
        factories.make_parent_link(planned, kemal),
        version=shared - 1,
        comment="وقت القراءة يوم الجمعة لا يناسبنا",
        language="ar",
    )

    for client, url in (
        (teacher_client, reverse("summary_edit", args=[planned.pk])),
        (teacher_client, planned.get_absolute_url()),
        (coordinator_client, reverse("summary_edit", args=[planned.pk])),
    ):
        content = client.get(url).content.decode()
        assert "The parents' replies to the summary" in content
        replies = content[content.index('id="summary-replies-heading"') :]
        ayse_part = replies[replies.index("Ayşe Yilmaz</strong>") :].split("</li>")[0]
        assert "Confirmed that the summary is right" in ayse_part
        kemal_part = replies[replies.index("Kemal Yilmaz</strong>") :].split("</li>")[0]
        assert "Confirmed an earlier version" in kemal_part
        assert '<blockquote class="prewrap" lang="ar" dir="auto">' in kemal_part
        assert "وقت القراءة يوم الجمعة لا يناسبنا" in kemal_part
        assert "(Arabic)" in kemal_part


# The demo


def test_it_seeds_a_demo_parent_link_that_keeps_working(db, settings, client):
    settings.DEMO_USERS_ENABLED = True
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    again = io.StringIO()
    call_command("seed_demo", stdout=again)

    match = re.search(r"http://127\.0\.0\.1:8000/ouder/([\w-]{43})/", first.getvalue())
    assert match is not None
    assert match.group(0) in again.getvalue()
    assert client.get(reverse("parent_home", args=[match.group(1)])).status_code == 200
    welcome = Conversation.objects.get(owner__username="demo-teacher", kind=Kind.WELLBEING)
    links = list(welcome.parent_links.select_related("guardian"))
    assert len(links) == 2
    answered = [link for link in links if link.answers.exists()]
    assert len(answered) == 1
    answers = {answer.question: answer for answer in answered[0].answers.all()}
    assert answers["interpreter"].choices == ["ti"]
    assert any(
        answer.text and answer.text_language not in ("", "nl") for answer in answers.values()
    )
    assert [item.source for item in welcome.agenda_items.all()][:2] == ["parent", "parent"]


def test_it_prints_the_demo_link_on_the_port_in_use(db, settings, monkeypatch):
    settings.DEMO_USERS_ENABLED = True
    monkeypatch.setenv("PORT", "8123")
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert re.search(r"http://127\.0\.0\.1:8123/ouder/[\w-]{43}/", out.getvalue())
