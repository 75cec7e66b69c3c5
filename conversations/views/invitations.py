"""The professional's side of the parents' private links: per guardian, make
the link, email the invitation, print it as a letter with a QR code, and
revoke it; and plan the interpreter a parent asked for.

Every view here writes or shows a token, so each fetches the conversation
through `editable_by`: a coordinator sees the links' state on the preparation
step and the conversation page but cannot act or see a link, and an outsider
gets 404. The guardian must belong to the child's family (else 404).
"""

from __future__ import annotations

import dataclasses
import functools
import smtplib
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from conversations import invitations
from conversations.models import Conversation, ParentLink
from conversations.parent_answers import (
    ParentAnswers,
    answers_by_link,
    interpreter_advice,
    language_name,
    links_of,
    summary_replies,
)
from conversations.parent_links import default_language, link_create, link_revoke
from conversations.steps import PARENT_LINKS, steps_for
from families.access import staff_login_required
from families.models import Guardian, compiled_objects

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import QuerySet

STEP_SLUG = "ouders-vooraf"


class LanguageForm(forms.Form):
    language = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", ""), *invitations.parent_languages()]


def has_links_step(conversation: Conversation) -> bool:
    return any(step.special == PARENT_LINKS for step in steps_for(conversation.kind))


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = get_object_or_404(
        Conversation.objects.editable_by(request.user).select_related(
            "child__family__location", "owner"
        ),
        pk=conversation_id,
    )
    if not has_links_step(conversation):
        raise Http404
    return conversation


def _guardian(conversation: Conversation, guardian_id: int) -> Guardian:
    return get_object_or_404(
        Guardian.objects.filter(family_id=conversation.child.family_id), pk=guardian_id
    )


def _link(conversation: Conversation, guardian: Guardian) -> ParentLink | None:
    link = ParentLink.objects.filter(conversation=conversation, guardian=guardian).first()
    if link is not None:
        link.conversation, link.guardian = conversation, guardian
    return link


def _step_url(conversation: Conversation, guardian: Guardian | None = None) -> str:
    url = reverse("preparation_step", args=[conversation.pk, STEP_SLUG])
    return url + (f"#guardian-{guardian.pk}" if guardian else "#parent-links")


def _posted_language(request: HttpRequest) -> str:
    form = LanguageForm(request.POST)
    return form.cleaned_data["language"] if form.is_valid() else ""


# What the pages show


@dataclasses.dataclass(frozen=True)
class GuardianRow:
    """One guardian of the child, with their link (if any) and answers.

    The derived values are cached: the template reads each several times."""

    guardian: Guardian
    link: ParentLink | None
    answers: ParentAnswers | None
    taking_part: bool
    # The link's language, or the one a new link would get.
    language: str
    # The full link, only for those who may act on it.
    url: str = ""

    @functools.cached_property
    def state(self) -> str:
        return self.link.state if self.link else "none"

    @functools.cached_property
    def last_day(self) -> dt.date | None:
        return invitations.last_day(self.link) if self.link else None

    @functools.cached_property
    def language_name(self) -> str:
        return language_name(self.link.language) if self.link else ""

    @functools.cached_property
    def answer_count(self) -> int:
        return len(self.answers.answers) if self.answers else 0


@compiled_objects(keys=("family", "conversation"))
def _family_guardians(family_id: int, conversation_id: int) -> QuerySet[Guardian]:
    """The family's guardians, each annotated `taking_part` in the conversation."""
    chosen = Conversation.guardians.through.objects.filter(
        conversation=conversation_id, guardian=OuterRef("pk")
    )
    # Within one family the guardians' order is by id, so the family need
    # not be joined to sort.
    return (
        Guardian.objects.filter(family=family_id)
        .annotate(taking_part=Exists(chosen))
        .order_by("pk")
    )


def _rows(
    conversation: Conversation,
    links: list[ParentLink],
    answers: dict[int, ParentAnswers],
    *,
    base_url: str = "",
) -> list[GuardianRow]:
    by_guardian = {link.guardian_id: link for link in links}
    family = conversation.child.family
    rows = []
    for guardian in _family_guardians(family.pk, conversation.pk):
        guardian.family = family
        link = by_guardian.get(guardian.pk)
        url = ""
        if link is not None and base_url and link.state == ParentLink.State.ACTIVE:
            url = invitations.link_url(base_url, link)
        rows.append(
            GuardianRow(
                guardian=guardian,
                link=link,
                answers=answers[link.pk] if link else None,
                taking_part=guardian.taking_part,
                language=link.language if link else default_language(guardian),
                url=url,
            )
        )
    # The parents taking part first; the rest of the family after them.
    return sorted(rows, key=lambda row: not row.taking_part)


def step_context(request: HttpRequest, conversation: Conversation, *, can_edit: bool) -> dict:
    """The "Parents beforehand" step: every guardian with their link and answers."""
    links = links_of(conversation)
    rows = _rows(
        conversation,
        links,
        answers_by_link(links),
        base_url=invitations.site_url(request) if can_edit else "",
    )
    answers = [row.answers for row in rows if row.answers and row.answers.answers]
    return {
        "guardian_rows": rows,
        "interpreter": interpreter_advice(conversation, answers),
        "parent_languages": invitations.parent_languages(),
        "questionnaire_minutes": invitations.QUESTIONNAIRE_MINUTES,
        "questionnaire_open": _questionnaire_open(conversation, links),
    }


def _questionnaire_open(conversation: Conversation, links: list[ParentLink]) -> bool:
    probe = links[0] if links else ParentLink(conversation=conversation)
    return probe.questionnaire_open


def detail_context(conversation: Conversation) -> dict[str, Any]:
    """The conversation page: the links' state, an interpreter request, and
    the parents' replies to the shared summary."""
    if not has_links_step(conversation):
        return {}
    links = links_of(conversation)
    rows = _rows(conversation, links, answers_by_link(links))
    answers = [row.answers for row in rows if row.answers and row.answers.answers]
    return {
        "guardian_rows": rows,
        "interpreter": interpreter_advice(conversation, answers),
        "summary_replies": summary_replies(conversation, links=links),
        "links_step_url": _step_url(conversation),
    }


# Actions


@require_POST
@staff_login_required
def parent_link_create(
    request: HttpRequest, conversation_id: int, guardian_id: int
) -> HttpResponse:
    """Make the guardian's link, or a new one after the old was revoked; with
    a language, set the language the parent's pages and messages open in."""
    conversation = _conversation(request, conversation_id)
    guardian = _guardian(conversation, guardian_id)
    existing = _link(conversation, guardian)
    link = link_create(conversation=conversation, guardian=guardian, user=request.user)
    language = _posted_language(request)
    if language and language != link.language:
        link.language = language
        link.save(update_fields=["language"])
        if existing is not None and existing.revoked_at is None:
            messages.success(
                request,
                _("%(name)s's link now opens in %(language)s.")
                % {"name": guardian.first_name, "language": language_name(language)},
            )
            return redirect(_step_url(conversation, guardian))
    if existing is None:
        messages.success(
            request, _("The link for %(name)s is ready.") % {"name": guardian.full_name}
        )
    elif existing.revoked_at is not None:
        messages.success(
            request,
            _("%(name)s has a new link. The old link no longer works; the answers are kept.")
            % {"name": guardian.full_name},
        )
    return redirect(_step_url(conversation, guardian))


@require_POST
@staff_login_required
def parent_link_invite(
    request: HttpRequest, conversation_id: int, guardian_id: int
) -> HttpResponse:
    """Email the guardian the invitation with their link (made now if needed)."""
    conversation = _conversation(request, conversation_id)
    guardian = _guardian(conversation, guardian_id)
    try:
        invitations.invitation_send(
            conversation=conversation,
            guardian=guardian,
            sender=request.user,
            base_url=invitations.site_url(request),
            language=_posted_language(request),
        )
    except invitations.NoEmailAddressError:
        messages.error(
            request,
            _(
                "%(name)s has no email address, so nothing was sent. Print the letter "
                "with the QR code, or give the link in another way."
            )
            % {"name": guardian.full_name},
        )
    except invitations.LinkNotUsableError:
        messages.error(
            request,
            _("%(name)s's link no longer works, so nothing was sent. Make a new link first.")
            % {"name": guardian.full_name},
        )
    except (smtplib.SMTPException, OSError):
        messages.error(
            request, _("The email could not be sent just now. Nothing changed; try again later.")
        )
    else:
        messages.success(
            request,
            _("The invitation is emailed to %(name)s (%(email)s).")
            % {"name": guardian.full_name, "email": guardian.email},
        )
    return redirect(_step_url(conversation, guardian))


@require_POST
@staff_login_required
def parent_link_revoke(
    request: HttpRequest, conversation_id: int, guardian_id: int
) -> HttpResponse:
    """Stop the guardian's link at once. What the parent answered is kept."""
    conversation = _conversation(request, conversation_id)
    guardian = _guardian(conversation, guardian_id)
    link = _link(conversation, guardian)
    if link is None:
        raise Http404
    link_revoke(link=link)
    messages.success(
        request,
        _("%(name)s's link no longer works. You can make a new one.")
        % {"name": guardian.full_name},
    )
    return redirect(_step_url(conversation, guardian))


@require_GET
@staff_login_required
@never_cache
def parent_link_letter(
    request: HttpRequest, conversation_id: int, guardian_id: int
) -> HttpResponse:
    """The invitation on paper, in the parent's language, with the link as a
    QR code and written out: for a parent without email."""
    conversation = _conversation(request, conversation_id)
    guardian = _guardian(conversation, guardian_id)
    link = _link(conversation, guardian)
    if link is None or link.state != ParentLink.State.ACTIVE:
        messages.error(
            request,
            _("%(name)s has no working link. Make a link first, then print the letter.")
            % {"name": guardian.full_name},
        )
        return redirect(_step_url(conversation, guardian))
    url = invitations.link_url(invitations.site_url(request), link)
    context = invitations.message_context(link=link, url=url, sender=request.user)
    with translation.override(link.language):
        bidi = translation.get_language_bidi()
    return render(
        request,
        "conversations/invitations/letter_page.html",
        context
        | {
            "conversation": conversation,
            "child": conversation.child,
            "guardian": guardian,
            "link": link,
            "qr": invitations.qr_svg(url),
            "bidi": bidi,
            "language_name": language_name(link.language),
            "step_url": _step_url(conversation, guardian),
        },
    )


@require_POST
@staff_login_required
def interpreter_accept(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Plan the interpreter a parent asked for, with the longer time it takes."""
    conversation = _conversation(request, conversation_id)
    back = (
        conversation.get_absolute_url()
        if request.POST.get("back") == "detail"
        else _step_url(conversation)
    )
    answers = answers_by_link(links_of(conversation))
    advice = interpreter_advice(conversation, list(answers.values()))
    wanted = request.POST.get("language", "")
    asked = None
    if advice is not None and wanted:
        asked = next((r for r in advice.requests if wanted in {r.language, r.name}), None)
    if asked is None:
        messages.error(request, _("No parent asked for an interpreter in this language."))
        return redirect(back)
    if conversation.interpreter and conversation.interpreter_language:
        # An interpreter is planned already: only the time changes.
        name = conversation.interpreter_language
    else:
        # Stored in the staff's default language, like the rest of the details.
        with translation.override(settings.LANGUAGE_CODE):
            name = language_name(asked.language) if asked.language else asked.name
    invitations.interpreter_accept(conversation=conversation, language=name, minutes=advice.minutes)
    messages.success(
        request,
        _("An interpreter (%(language)s) is planned, and %(minutes)s minutes for the conversation.")
        % {"language": name, "minutes": conversation.duration_minutes},
    )
    return redirect(back)


def summary_mailing_messages(request: HttpRequest, mailing: invitations.Mailing) -> None:
    """Tell the professional who got the "summary is ready" email and who did not."""
    if mailing.sent:
        messages.success(
            request,
            ngettext(
                "%(count)s parent got an email that the summary is ready to read.",
                "%(count)s parents got an email that the summary is ready to read.",
                len(mailing.sent),
            )
            % {"count": len(mailing.sent)},
        )
    if mailing.without_email:
        messages.warning(
            request,
            _(
                "No email address for %(names)s: give them the summary on paper "
                "(print version) or read it through together."
            )
            % {"names": ", ".join(guardian.full_name for guardian in mailing.without_email)},
        )
    if mailing.failed:
        messages.error(
            request,
            _("The email to %(names)s could not be sent. Share the summary again later.")
            % {"names": ", ".join(guardian.full_name for guardian in mailing.failed)},
        )
