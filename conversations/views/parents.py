"""The parent pages: a start page, the questions one at a time, an overview
to check and send, and the shared summary to confirm or comment on.

Every view sits behind conversations.parent_access.parent_page, which turns the
token into the parent's link and renders the page in the parent's language.
GET and HEAD never change anything (mail clients open links to scan them);
every change is a POST with a CSRF token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from conversations.models import BookingSlot, ConversationText, QuestionnaireAnswer
from conversations.parent_access import page_context, parent_page
from conversations.parent_forms import (
    AnswerForm,
    LanguageForm,
    SummaryCommentForm,
    SummaryConfirmForm,
    shown_answer,
)
from conversations.parent_services import (
    QuestionnaireClosedError,
    SummaryChangedError,
    answer_save,
    answers_submit,
    link_language_set,
    summary_comment_save,
    summary_confirm,
)
from conversations.questionnaire import QUESTIONS
from conversations.summary import SHARED_SUMMARY_KEY
from families.models import TextKey, compiled_objects
from families.redirects import safe_next_path

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from conversations.models import Conversation, ParentLink
    from conversations.questionnaire import Question

QUESTION_COUNT = len(QUESTIONS)
GET_OR_POST = ["GET", "HEAD", "POST"]


def _professional_name(conversation: Conversation) -> str:
    owner = conversation.owner
    return owner.get_full_name() or owner.get_username()


def _render(
    request: HttpRequest,
    link: ParentLink,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(request, template, {**page_context(link), **(context or {})}, status=status)


def _answers(link: ParentLink) -> dict[str, QuestionnaireAnswer]:
    return {answer.question: answer for answer in link.answers.all()}


def _answer(link: ParentLink, question: Question) -> QuestionnaireAnswer | None:
    return next(iter(_answers_to(link.pk, question.key)), None)


@compiled_objects(keys=("link", TextKey("question")))
def _answers_to(link_id: int, question: str) -> QuerySet[QuestionnaireAnswer]:
    """The link's answer to a question (there is one at most). Compiled once
    per process: building it cost more than running it."""
    # No ordering: one answer per question, and the Meta ordering would join
    # the link's tables for nothing.
    return QuestionnaireAnswer.objects.filter(link=link_id, question=question).order_by()[:1]


def _missing(request: HttpRequest, link: ParentLink, what: str) -> HttpResponse:
    context = {"what": what, "professional": _professional_name(link.conversation)}
    return _render(request, link, "parents/missing.html", context, status=404)


def _round_time(link: ParentLink) -> BookingSlot | None:
    """In a meeting round: the first slot of this parent's booking (for both
    parents, or their own; never the other parent's own time). One query."""
    if link.conversation.meeting_round_id is None:
        return None
    return (
        BookingSlot.objects.filter(
            Q(booking__guardian__isnull=True) | Q(booking__guardian=link.guardian_id),
            booking__conversation=link.conversation_id,
        )
        .select_related("booking", "slot")
        .order_by("booking__starts_at", "slot__starts_at")
        .first()
    )


@parent_page
@require_safe
def parent_home(request: HttpRequest, link: ParentLink) -> HttpResponse:
    answers = _answers(link)
    answered = [number for number, q in enumerate(QUESTIONS, 1) if q.key in answers]
    first_open = next(
        (number for number, q in enumerate(QUESTIONS, 1) if q.key not in answers), None
    )
    return _render(
        request,
        link,
        "parents/home.html",
        {
            "professional": _professional_name(link.conversation),
            "location": link.conversation.child.family.location,
            "questionnaire_open": link.questionnaire_open,
            "answered_count": len(answered),
            "question_count": QUESTION_COUNT,
            "continue_number": first_open or QUESTION_COUNT,
            "round_time": _round_time(link),
        },
    )


@parent_page
@require_POST
def parent_language(request: HttpRequest, link: ParentLink) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        link_language_set(link=link, language=form.cleaned_data["language"])
    own_pages = reverse("parent_home", args=[link.token])
    wanted = safe_next_path(request)
    if wanted.startswith(own_pages):
        return redirect(wanted)
    return redirect(own_pages)


@parent_page(related=("conversation__child",))
@require_http_methods(GET_OR_POST)
def parent_question(request: HttpRequest, link: ParentLink, number: int) -> HttpResponse:
    """One question. A POST saves what is filled in and moves on (or back);
    an autosave (field `autosave`, sent by htmx as the parent types) only
    saves and answers with the save status."""
    if not 1 <= number <= QUESTION_COUNT:
        return _missing(request, link, "question")
    question = QUESTIONS[number - 1]
    autosave = request.POST.get("autosave") == "1"
    back_to_review = request.GET.get("from") == "review" or request.POST.get("return") == "review"
    context = {
        "number": number,
        "question_count": QUESTION_COUNT,
        "question": question,
        "back_to_review": back_to_review,
    }
    is_open = link.questionnaire_open
    if request.method == "POST":
        # A posted form shows what was posted, so the stored answer is read
        # only to show it once the questionnaire has closed.
        form = AnswerForm(request.POST, question=question)
        saved = False
        if is_open and form.is_valid():
            choices, text = form.answer()
            try:
                answer_save(
                    link=link,
                    question=question,
                    choices=choices,
                    text=text,
                    language=get_language(),
                )
                saved = True
            except QuestionnaireClosedError:
                is_open = False
        if autosave:
            state = "saved" if saved else ("closed" if not is_open else "invalid")
            return _render(
                request,
                link,
                "parents/question.html#save_status",
                {**context, "form": form, "state": state},
                status=200 if saved else (409 if not is_open else 422),
            )
        if saved:
            return redirect(_after_save(link, number, request.POST.get("go"), back_to_review))
        if is_open:
            return _render(
                request, link, "parents/question.html", {**context, "form": form}, status=422
            )
        return _render(
            request,
            link,
            "parents/question.html",
            {
                **context,
                "shown": shown_answer(number, question, _answer(link, question)),
                "closed_now": True,
            },
            status=409,
        )
    answer = _answer(link, question)
    if not is_open:
        context["shown"] = shown_answer(number, question, answer)
        return _render(request, link, "parents/question.html", context)
    form = AnswerForm(question=question, answer=answer)
    return _render(request, link, "parents/question.html", {**context, "form": form})


def _after_save(link: ParentLink, number: int, go: str | None, back_to_review: bool) -> str:
    if go == "back":
        if number == 1:
            return reverse("parent_home", args=[link.token])
        return reverse("parent_question", args=[link.token, number - 1])
    if back_to_review or number == QUESTION_COUNT:
        return reverse("parent_review", args=[link.token])
    return reverse("parent_question", args=[link.token, number + 1])


@parent_page
@require_http_methods(GET_OR_POST)
def parent_review(request: HttpRequest, link: ParentLink) -> HttpResponse:
    """All answers on one page, each with a way to change it, and the button
    that sends them to the professional (again, after a change)."""
    closed_now = False
    if request.method == "POST":
        try:
            answers_submit(link=link)
            return redirect(reverse("parent_review", args=[link.token]) + "#sent")
        except QuestionnaireClosedError:
            closed_now = True
    answers = _answers(link)
    shown = [
        shown_answer(number, question, answers.get(question.key))
        for number, question in enumerate(QUESTIONS, 1)
    ]
    changed_after_sending = link.submitted_at is not None and any(
        answer.updated_at > link.submitted_at for answer in answers.values()
    )
    return _render(
        request,
        link,
        "parents/review.html",
        {
            "answers": shown,
            "answered_count": sum(not each.is_empty for each in shown),
            "question_count": QUESTION_COUNT,
            "questionnaire_open": link.questionnaire_open,
            "changed_after_sending": changed_after_sending,
            "closed_now": closed_now,
            "professional": _professional_name(link.conversation),
        },
        status=409 if closed_now else 200,
    )


@parent_page
@require_http_methods(GET_OR_POST)
def parent_summary(request: HttpRequest, link: ParentLink) -> HttpResponse:
    """The summary as the professional shared it, with the parent's reply:
    "this is right" (for this version of the text) and a comment."""
    conversation = link.conversation
    shared = None
    if conversation.summary_shared_at is not None:
        shared = ConversationText.objects.filter(
            conversation=conversation, key=SHARED_SUMMARY_KEY
        ).first()
    if shared is None:
        return _missing(request, link, "summary")
    confirm_form = SummaryConfirmForm(initial={"version": shared.version})
    comment_form = SummaryCommentForm(initial={"comment": link.summary_comment})
    status = 200
    changed_meanwhile = False
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            confirm_form = SummaryConfirmForm(request.POST)
            if confirm_form.is_valid():
                try:
                    summary_confirm(
                        link=link,
                        shared_version=shared.version,
                        seen_version=confirm_form.cleaned_data["version"],
                    )
                    return redirect(reverse("parent_summary", args=[link.token]) + "#reply")
                except SummaryChangedError:
                    changed_meanwhile = True
                    confirm_form = SummaryConfirmForm(initial={"version": shared.version})
            status = 409 if changed_meanwhile else 422
        elif action == "comment":
            comment_form = SummaryCommentForm(request.POST)
            if comment_form.is_valid():
                summary_comment_save(
                    link=link, comment=comment_form.cleaned_data["comment"], language=get_language()
                )
                return redirect(reverse("parent_summary", args=[link.token]) + "#comment")
            status = 422
        else:
            status = 400
    confirmed_this = (
        link.summary_confirmed_at is not None and link.summary_confirmed_version == shared.version
    )
    return _render(
        request,
        link,
        "parents/summary.html",
        {
            "shared": shared,
            "professional": _professional_name(conversation),
            "confirm_form": confirm_form,
            "comment_form": comment_form,
            "confirmed_this": confirmed_this,
            "confirmed_earlier": link.summary_confirmed_at is not None and not confirmed_this,
            "changed_meanwhile": changed_meanwhile,
        },
        status=status,
    )
