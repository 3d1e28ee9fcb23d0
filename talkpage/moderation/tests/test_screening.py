"""Screening new comments without a third party: the honeypot, the signed
form token, link and repeat checks, and the spam filter that learns from
moderators' decisions."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from talkpage.discussion.forms import issue_form_token
from talkpage.discussion.models import Comment, Status
from talkpage.moderation.models import Policy
from talkpage.moderation.services import set_site_policy
from talkpage.testing import HAM, SPAM, make_comment, post_url, with_token

pytestmark = pytest.mark.django_db

TEXT = "Magnesium helped my cramps, for what it is worth."


def from_network(n: int) -> Client:
    """A visitor on a network of their own."""
    return Client(REMOTE_ADDR=f"198.51.{n}.10")


def post(client, article, text: str = TEXT, **data):
    return client.post(post_url(article), with_token(article, {"text": text, **data}))


def comment_count(article) -> int:
    article.refresh_from_db()
    return article.comment_count


# --- The honeypot ---------------------------------------------------------


def test_honeypot_keeps_the_comment_as_spam_but_answers_like_a_held_one(
    client, article, settings
):
    settings.TALKPAGE_MODERATION_POLICY = Policy.HOLD_ANONYMOUS
    held = post(Client(), article, "An honest visitor's comment.")
    trapped = post(client, article, "Buy now", website="https://spam.example")

    assert trapped.status_code == held.status_code == 302
    spam = Comment.objects.get(body="Buy now")
    assert trapped["Location"] == f"{article.get_absolute_url()}?sort=newest#c{spam.pk}"
    assert spam.status == Status.SPAM
    assert spam.moderation_reasons == ["honeypot field filled"]
    page = client.get(trapped["Location"]).text
    assert "Your comment is awaiting moderation" in page
    assert ">Buy now<" not in page
    assert ">Buy now<" not in Client().get(article.get_absolute_url()).text
    assert comment_count(article) == 0


def test_honeypot_field_is_hidden_from_people(client, article):
    html = client.get(article.get_absolute_url()).text

    assert '<p class="hp" aria-hidden="true">' in html
    assert 'name="website"' in html
    assert 'tabindex="-1"' in html


# --- The form token -------------------------------------------------------


def refused(response, message: str, text: str = TEXT) -> None:
    assert response.status_code == 400
    assert message in response.text
    assert text in response.text  # kept for the person to post again
    assert not Comment.objects.filter(body=text).exists()


def test_missing_form_token_is_refused_with_the_text_kept(client, article):
    response = client.post(post_url(article), {"text": TEXT})

    refused(response, "This form was not made by this site, or was damaged.")


def test_forged_form_token_is_refused(client, article):
    token = with_token(article, {})["form_token"]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = client.post(post_url(article), {"text": TEXT, "form_token": forged})

    refused(response, "This form was not made by this site, or was damaged.")


def test_garbage_form_token_is_refused_not_a_server_error(client, article):
    for garbage in ["x", "::::", "a" * 300, "eyJ9:1:2", "é:ü"]:
        response = client.post(post_url(article), {"text": TEXT, "form_token": garbage})
        refused(response, "Your text is kept below")


def test_form_token_of_another_article_is_refused(client, article, other_article):
    data = with_token(other_article, {"text": TEXT})

    response = client.post(post_url(article), data)

    refused(response, "This form belongs to another article.")


def test_expired_form_is_refused(client, article, settings):
    settings.TALKPAGE_FORM_MAX_AGE = 30  # with_token's form is 60 s old

    response = post(client, article)

    refused(response, "This form has expired.")


def test_form_sent_back_too_fast_is_refused(client, article, settings):
    settings.TALKPAGE_MIN_SECONDS_TO_POST = 2
    token = issue_form_token(article.pk)

    response = client.post(post_url(article), {"text": TEXT, "form_token": token})

    refused(response, "That was quicker than anyone can read and write.")


def test_form_after_the_minimum_time_is_accepted(client, article, settings):
    settings.TALKPAGE_MIN_SECONDS_TO_POST = 2
    token = issue_form_token(article.pk, issued_at=time.time() - 3)

    response = client.post(post_url(article), {"text": TEXT, "form_token": token})

    assert response.status_code == 302
    assert Comment.objects.get().body == TEXT


def test_refused_form_comes_back_with_a_fresh_token(client, article, settings):
    settings.TALKPAGE_FORM_MAX_AGE = 30

    response = post(client, article)

    assert 'name="form_token" value="' in response.text
    old = with_token(article, {})["form_token"]
    assert old not in response.text


def test_replayed_form_with_other_words_is_refused(client, article):
    data = with_token(article, {"text": TEXT})
    assert client.post(post_url(article), data).status_code == 302

    response = client.post(post_url(article), {**data, "text": "Other words."})

    assert response.status_code == 400
    assert "This form was already used to post a comment." in response.text
    assert "Other words." in response.text
    assert Comment.objects.count() == 1


def test_replayed_form_with_the_same_words_posts_once(client, article):
    data = with_token(article, {"text": TEXT})

    first = client.post(post_url(article), data)
    second = client.post(post_url(article), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1
    assert comment_count(article) == 1


# --- Links and repeats ----------------------------------------------------


def test_more_links_than_allowed_holds_the_comment(client, article, settings):
    settings.TALKPAGE_MAX_LINKS = 3
    text = " ".join(f"https://site{n}.example/page" for n in range(4))

    response = post(client, article, text)

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Status.HELD
    assert "4 links" in comment.moderation_reasons
    assert comment_count(article) == 0


def test_links_up_to_the_limit_publish(client, article, settings):
    settings.TALKPAGE_MAX_LINKS = 3
    text = (
        "See https://www.nhs.uk/conditions/cramps/ and "
        "[this review](https://www.cochranelibrary.com/review) and www.who.int"
    )

    post(client, article, text)

    comment = Comment.objects.get()
    assert comment.moderation_reasons == []
    assert comment.status == Status.PUBLISHED


def test_same_text_from_several_networks_is_held_the_third_time(article, settings):
    settings.TALKPAGE_REPEATS_TO_HOLD = 3
    text = "Great article! Everyone should read it twice."

    answers = [post(from_network(n), article, text) for n in range(3)]

    assert [answer.status_code for answer in answers] == [302, 302, 302]
    first, second, third = Comment.objects.order_by("pk")
    assert first.status == second.status == Status.PUBLISHED
    assert third.status == Status.HELD
    assert "same text posted 3 times today" in third.moderation_reasons
    assert comment_count(article) == 2


def test_same_text_twice_from_one_person_is_a_duplicate(client, alice, article):
    client.force_login(alice)
    post(client, article)

    response = post(client, article)

    assert response.status_code == 400
    assert "You have already posted this comment." in response.text
    assert Comment.objects.count() == 1


# --- The spam filter learns from moderators -------------------------------


def test_spam_filter_learns_from_moderators_decisions(client, bob, article, settings):
    settings.TALKPAGE_SPAM_MIN_TRAINING = 5
    set_site_policy(policy=Policy.HOLD_ALL, actor=bob)
    for n, text in enumerate(SPAM + HAM):
        assert post(from_network(n), article, text).status_code == 302
    assert Comment.objects.filter(status=Status.HELD).count() == 12

    client.force_login(bob)
    for comment in Comment.objects.all():
        action = "spam" if comment.body in SPAM else "approve"
        url = reverse(
            "moderation:decide", kwargs={"comment_id": comment.pk, "action": action}
        )
        assert client.post(url).status_code == 302
    client.logout()
    set_site_policy(policy=Policy.OPEN, actor=bob)

    post(
        from_network(100),
        article,
        "Casino bonus and cheap pills, free spins https://cheap-pills.example/new",
    )
    post(from_network(101), article, "Stretching every morning eased my knee pain.")

    spam = Comment.objects.get(body__startswith="Casino bonus")
    assert spam.status in (Status.HELD, Status.SPAM)
    assert spam.spam_score >= settings.TALKPAGE_SPAM_HOLD_SCORE
    assert any("cheap-pills.example" in reason for reason in spam.moderation_reasons)
    ham = Comment.objects.get(body__startswith="Stretching")
    assert ham.status == Status.PUBLISHED
    assert ham.spam_score < settings.TALKPAGE_SPAM_HOLD_SCORE

    client.force_login(bob)
    tab = "held" if spam.status == Status.HELD else "spam"
    queue = client.get(reverse("moderation:queue") + f"?show={tab}").text
    assert "Casino bonus" in queue
    assert f"Spam score {spam.spam_score:.2f}" in queue
    assert "links to cheap-pills.example" in queue


def test_untrained_filter_holds_nobody(client, article):
    post(client, article, "Casino bonus https://cheap-pills.example")

    assert Comment.objects.get().status == Status.PUBLISHED


# --- Edits are screened again ---------------------------------------------


def test_edit_into_spammy_text_puts_the_comment_back_on_hold(
    client, alice, article, settings
):
    settings.TALKPAGE_MAX_LINKS = 3
    comment = make_comment(article, "An innocent comment.", user=alice)
    client.force_login(alice)
    spammy = " ".join(f"https://shop{n}.example/deal" for n in range(6))

    response = client.post(
        reverse("discussion:edit", kwargs={"comment_id": comment.pk}),
        {"text": spammy},
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "Your comment is updated. It is awaiting moderation" in page
    comment.refresh_from_db()
    assert comment.status == Status.HELD
    assert comment.moderation_reasons[0] == "edited"
    assert "6 links" in comment.moderation_reasons
    assert comment_count(article) == 0
    assert "shop0.example" not in Client().get(article.get_absolute_url()).text


def test_plain_edit_stays_published(client, alice, article):
    comment = make_comment(article, "An innocent comment.", user=alice)
    client.force_login(alice)

    client.post(
        reverse("discussion:edit", kwargs={"comment_id": comment.pk}),
        {"text": "An innocent comment, corrected."},
    )

    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert comment_count(article) == 1


def test_member_cannot_escape_the_edit_limit_by_changing_networks(
    alice, article, settings
):
    settings.TALKPAGE_RATE_LIMITS = {
        **settings.TALKPAGE_RATE_LIMITS,
        "comment_edit": "2/m",
    }
    comment = make_comment(article, "Version 0.", user=alice)
    answers = []
    for n in range(1, 4):
        editor = Client(REMOTE_ADDR=f"198.51.{n}.1")
        editor.force_login(alice)
        answers.append(
            editor.post(
                reverse("discussion:edit", kwargs={"comment_id": comment.pk}),
                {"text": f"Version {n}."},
            )
        )

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Retry-After" in answers[2]
    assert "Version 3." in answers[2].text
    comment.refresh_from_db()
    assert comment.body == "Version 2."
