"""Thinking along: the read-along page, comments and replies, what is new for
whom, and "please think along"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import ConversationText, QuestionnaireAnswer, ReviewComment
from conversations.reviews import comment_add, comment_thread
from tests import factories

pytestmark = pytest.mark.usefixtures("english_clients")


def _comment(client, conversation, body, **extra):
    return client.post(
        reverse("review_comment_add", args=[conversation.pk]), {"body": body, **extra}
    )


def test_it_shows_the_whole_record_read_only(coordinator_client, held, parent_link, teacher):
    ConversationText.objects.create(
        conversation=held, key="prep_going_well", text="Emre helpt anderen graag."
    )
    ConversationText.objects.create(conversation=held, key="summary", text="We spraken over lezen.")
    ConversationText.objects.create(
        conversation=held, key="reflection_note", text="Volgende keer meer vragen."
    )
    QuestionnaireAnswer.objects.create(link=parent_link, question="feeling", choices=["good"])

    response = coordinator_client.get(reverse("conversation_review", args=[held.pk]))

    text = response.text
    for shown in (
        "Emre helpt anderen graag.",
        "We spraken over lezen.",
        "Volgende keer meer vragen.",
        "Samen lezen voor het slapengaan",
        "Ayşe Yilmaz",  # the parent who answered
        "Good",  # her answer, in the reader's language
    ):
        assert shown in text, shown
    assert "<textarea" in text  # the comment form, and nothing else to fill in
    assert 'name="text-' not in text
    # The professional's own ratings (1, 2, 3) stay theirs.
    assert "The professional:" not in text
    assert "own needs stay with them" in text


def test_it_tells_the_professional_about_a_new_comment_until_they_read_it(
    coordinator_client, teacher_client, conversation
):
    _comment(coordinator_client, conversation, "Mooi hoe je de ouders liet vertellen.")

    home = teacher_client.get(reverse("home"))
    assert "1 new comment on your conversations" in home.text
    assert "Mooi hoe je de ouders liet vertellen." in home.text

    record = teacher_client.get(conversation.get_absolute_url())
    assert "comment--new" in record.text
    assert "1 new" in record.text

    assert "new comment" not in teacher_client.get(reverse("home")).text
    assert "comment--new" not in teacher_client.get(conversation.get_absolute_url()).text


def test_it_keeps_new_separate_for_each_reader(
    coordinator_client, teacher_client, teacher, location, group, conversation
):
    colleague = factories.make_staff("colleague", location, groups=(group,))
    _comment(coordinator_client, conversation, "Goed gedaan.")
    teacher_client.get(conversation.get_absolute_url())  # the teacher reads it

    assert ReviewComment.objects.new_for(colleague).count() == 1
    assert not ReviewComment.objects.new_for(teacher).exists()


def test_it_never_counts_ones_own_comments_as_new(coordinator_client, coordinator, conversation):
    _comment(coordinator_client, conversation, "Eigen opmerking.")
    assert not ReviewComment.objects.new_for(coordinator).exists()


def test_it_keeps_a_comment_new_that_arrived_while_reading(teacher, coordinator, conversation):
    first = comment_add(conversation=conversation, author=coordinator, body="Een")
    thread = comment_thread(conversation=conversation, user=teacher)
    assert [c.is_new for c in thread.comments] == [True]
    later = comment_add(conversation=conversation, author=coordinator, body="Twee")
    assert later.created_at > first.created_at

    assert [c.body for c in ReviewComment.objects.new_for(teacher)] == ["Twee"]


def test_it_lets_the_professional_reply_to_a_comment(
    coordinator_client, teacher_client, coordinator, conversation
):
    _comment(coordinator_client, conversation, "Wat had je nodig van de ouders?")
    question = ReviewComment.objects.get()

    response = _comment(
        teacher_client,
        conversation,
        "Meer tijd, eerlijk gezegd.",
        reply_to=question.pk,
        return_to="record",
    )

    assert response["Location"] == conversation.get_absolute_url() + "#comments"
    reply = ReviewComment.objects.exclude(pk=question.pk).get()
    assert reply.reply_to == question
    assert [c.body for c in ReviewComment.objects.new_for(coordinator)] == [
        "Meer tijd, eerlijk gezegd."
    ]
    page = coordinator_client.get(reverse("conversation_review", args=[conversation.pk]))
    assert "In reply to Coordinator:" in page.text


def test_it_ignores_a_reply_to_a_comment_of_another_conversation(
    coordinator_client, teacher, child, conversation
):
    other = factories.make_conversation(child, teacher)
    _comment(coordinator_client, other, "Elders")
    elsewhere = ReviewComment.objects.get()

    _comment(coordinator_client, conversation, "Hier", reply_to=elsewhere.pk)

    assert ReviewComment.objects.get(body="Hier").reply_to is None


def test_it_saves_no_empty_comment(coordinator_client, conversation):
    response = _comment(coordinator_client, conversation, "   ", return_to="review")
    assert response["Location"].endswith(
        reverse("conversation_review", args=[conversation.pk]) + "#comments"
    )
    assert not ReviewComment.objects.exists()


def test_it_sends_a_professional_back_to_the_record_not_the_review_page(
    teacher_client, conversation
):
    response = _comment(teacher_client, conversation, "Dank!", return_to="review")
    assert response["Location"] == conversation.get_absolute_url() + "#comments"


def test_it_shows_comments_only_to_who_may_see_the_conversation(
    coordinator_client, teacher2_client, conversation
):
    _comment(coordinator_client, conversation, "Alleen voor de leerkracht.")
    assert "Alleen voor de leerkracht." not in teacher2_client.get(reverse("home")).text
    assert teacher2_client.get(conversation.get_absolute_url()).status_code == 404


def test_it_asks_the_coordinator_to_think_along(
    teacher_client, coordinator_client, teacher, conversation
):
    record = teacher_client.get(conversation.get_absolute_url())
    assert "Please think along: ask your coordinator" in record.text

    teacher_client.post(
        reverse("review_request", args=[conversation.pk]),
        {"question": "Hoe open ik over het slapen?"},
    )

    conversation.refresh_from_db()
    assert conversation.review_requested_by == teacher
    assert ReviewComment.objects.get().body == "Hoe open ik over het slapen?"
    review = coordinator_client.get(reverse("conversation_review", args=[conversation.pk]))
    assert "asked you to think along" in review.text
    assert "Hoe open ik over het slapen?" in review.text
    assert (
        "asked the coordinator to think along"
        in teacher_client.get(conversation.get_absolute_url()).text
    )


def test_it_shows_a_coordinator_the_way_to_the_read_along_page(coordinator_client, conversation):
    record = coordinator_client.get(conversation.get_absolute_url())
    assert reverse("conversation_review", args=[conversation.pk]) in record.text
    assert "Please think along: ask your coordinator" not in record.text


def test_it_lists_the_newest_comments_on_the_home_page_with_the_total(
    coordinator, teacher_client, conversation
):
    for n in range(12):
        comment = comment_add(conversation=conversation, author=coordinator, body=f"Tip {n}")
        ReviewComment.objects.filter(pk=comment.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=60 - n)
        )
    home = teacher_client.get(reverse("home"))
    assert "12 new comments on your conversations" in home.text
    assert [c.body for c in home.context["new_comments"]] == [f"Tip {n}" for n in range(11, 1, -1)]
    assert "Tip 0" not in home.text
