"""Sending parents their private link: the invitation by email, the same
invitation as a printed letter with a QR code, and the message that the
summary is ready; and accepting a parent's request for an interpreter.

Everything a parent reads is rendered in the link's language. The messages
name the child by first name only and carry no notes, answers or summary
text: only the link, which opens the rest after the parent clicks it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language_info

from conversations.models import Conversation, ParentLink
from conversations.parent_links import link_create, link_path
from families.languages import Language

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

    from families.models import Guardian

logger = logging.getLogger(__name__)

# How long the questionnaire takes, as the invitation promises.
QUESTIONNAIRE_MINUTES = 3


class NoEmailAddressError(Exception):
    """The guardian has no email address: print the letter instead."""


class LinkNotUsableError(Exception):
    """The link was revoked or has expired: make a new one first."""


def parent_languages() -> list[tuple[str, str]]:
    """The languages parent pages speak, named in the active language and in
    their own ("Turks – Türkçe")."""
    choices = []
    for code in settings.PARENT_LANGUAGES:
        name = str(Language(code).label)
        local = get_language_info(code)["name_local"]
        choices.append((code, name if local.casefold() == name.casefold() else f"{name} – {local}"))
    return choices


def site_url(request: HttpRequest) -> str:
    """The site's scheme and host as this request reached it, for the links in
    messages (`base_url` everywhere below)."""
    return request.build_absolute_uri("/").rstrip("/")


def link_url(base_url: str, link: ParentLink) -> str:
    """The link's full address; `base_url` is the site's scheme and host."""
    return base_url.rstrip("/") + link_path(link)


def last_day(link: ParentLink) -> dt.date:
    """The last day the link works (it stops at the end of that day)."""
    return timezone.localtime(link.expires_at - dt.timedelta(seconds=1)).date()


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def message_context(
    *, link: ParentLink, url: str, sender: AbstractBaseUser | None
) -> dict[str, Any]:
    """What the invitation, the letter and the summary message say, the same
    in each. Names the child by first name only."""
    conversation = link.conversation
    child = conversation.child
    return {
        "url": url,
        "parent_name": link.guardian.first_name,
        "child_name": child.first_name,
        "sender_name": _name(sender) or _name(conversation.owner),
        "location_name": child.family.location.name,
        "date": conversation.date,
        "start_time": conversation.start_time,
        "place": conversation.place,
        "by_video": bool(conversation.video_link) and not conversation.place,
        "minutes": QUESTIONNAIRE_MINUTES,
        "last_day": last_day(link),
        "language": link.language,
    }


def qr_svg(url: str) -> str:
    """The link as a QR code: an inline SVG with no style attributes (the
    page's CSS sizes it; the page names it for screen readers)."""
    return segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, svgclass="qr", lineclass="qr__modules"
    )


def _message(
    template: str, *, link: ParentLink, context: dict[str, Any], reply_to: str
) -> EmailMultiAlternatives:
    with translation.override(link.language):
        context = context | {"bidi": translation.get_language_bidi()}
        subject = render_to_string(f"parents/emails/{template}_subject.txt", context)
        text = render_to_string(f"parents/emails/{template}.txt", context)
        html = render_to_string(f"parents/emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[link.guardian.email],
        reply_to=[reply_to] if reply_to else [],
        headers={"Content-Language": link.language},
    )
    message.attach_alternative(html, "text/html")
    return message


def _reply_address(sender: AbstractBaseUser | None) -> str:
    return getattr(sender, "email", "") or ""


@transaction.atomic
def invitation_send(
    *,
    conversation: Conversation,
    guardian: Guardian,
    sender: AbstractBaseUser,
    base_url: str,
    language: str = "",
) -> ParentLink:
    """Email the guardian the invitation with their link, made now if there
    is none. A revoked or expired link is not sent: the professional decides
    to make a new one. Raises NoEmailAddressError, LinkNotUsableError, or the
    mail server's error (then nothing is recorded)."""
    if not guardian.email:
        raise NoEmailAddressError
    link = ParentLink.objects.filter(conversation=conversation, guardian=guardian).first()
    if link is not None and link.revoked_at is not None:
        raise LinkNotUsableError
    if link is None:
        link = link_create(conversation=conversation, guardian=guardian, user=sender)
    link.conversation, link.guardian = conversation, guardian
    if link.state != ParentLink.State.ACTIVE:
        raise LinkNotUsableError
    if language in settings.PARENT_LANGUAGES:
        link.language = language
    context = message_context(link=link, url=link_url(base_url, link), sender=sender)
    _message("invitation", link=link, context=context, reply_to=_reply_address(sender)).send()
    link.invited_at = timezone.now()
    link.save(update_fields=["invited_at", "language"])
    return link


@dataclasses.dataclass(frozen=True)
class Mailing:
    """Who got the summary message, who has no email address, and whose
    message the mail server refused."""

    sent: list[Guardian]
    without_email: list[Guardian]
    failed: list[Guardian]


@transaction.atomic
def summary_ready_send(
    *, conversation: Conversation, sender: AbstractBaseUser, base_url: str
) -> Mailing:
    """Tell the parents the summary is ready to read, each through their own
    link. The parents taking part (the whole family when none were chosen)
    get a link if they have none; a parent whose link was revoked gets
    nothing, since the professional closed it on purpose."""
    links = {
        link.guardian_id: link
        for link in ParentLink.objects.filter(conversation=conversation).select_related("guardian")
    }
    guardians = list(conversation.guardians.all()) or list(
        conversation.child.family.guardians.all()
    )
    guardians += [link.guardian for link in links.values() if link.guardian not in guardians]
    sent, without_email, failed = [], [], []
    for guardian in guardians:
        link = links.get(guardian.pk)
        if not guardian.email:
            without_email.append(guardian)
            continue
        if link is None:
            link = link_create(conversation=conversation, guardian=guardian, user=sender)
        link.conversation = conversation
        if link.state != ParentLink.State.ACTIVE:
            continue
        context = message_context(link=link, url=link_url(base_url, link), sender=sender)
        message = _message(
            "summary_ready", link=link, context=context, reply_to=_reply_address(sender)
        )
        try:
            message.send()
        except (smtplib.SMTPException, OSError):
            logger.exception("The summary message to a parent could not be sent.")
            failed.append(guardian)
            continue
        link.summary_sent_at = timezone.now()
        link.save(update_fields=["summary_sent_at"])
        sent.append(guardian)
    return Mailing(sent=sent, without_email=without_email, failed=failed)


@transaction.atomic
def interpreter_accept(*, conversation: Conversation, language: str, minutes: int) -> Conversation:
    """Plan the interpreter a parent asked for, and the longer time it takes.
    A longer time already planned is kept."""
    conversation.interpreter = True
    conversation.interpreter_language = language[:50]
    conversation.duration_minutes = max(conversation.duration_minutes, minutes)
    conversation.save(
        update_fields=["interpreter", "interpreter_language", "duration_minutes", "updated_at"]
    )
    return conversation
