import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from talkpage.moderation.models import SpamToken
from talkpage.moderation.spam import (
    DOCUMENTS,
    STILL_LEARNING,
    NaiveBayesFilter,
    SpamVerdict,
    get_filter,
)

pytestmark = pytest.mark.django_db

SPAM = [
    "Best online casino bonus! Visit https://cheap-pills.example/casino now",
    "Cheap pills without prescription, fast shipping: www.cheap-pills.example",
    "Win big at our casino tonight [claim your bonus](https://win.cheap-pills.example)",
    "Viagra and cialis at discount prices https://cheap-pills.example/v",
    "Free spins, jackpot casino, cheap pills: http://cheap-pills.example/spin",
    "Buy pills online no prescription needed https://cheap-pills.example",
    "Casino jackpot bonus for new players https://cheap-pills.example/new",
    "Discount viagra, cheap pills, casino bonus http://www.cheap-pills.example",
    "Earn money fast with casino free spins https://cheap-pills.example/earn",
    "Order pills online with discount https://shop.cheap-pills.example/order",
]
HAM = [
    "My knee pain improved after physiotherapy and gentle stretching.",
    "Does anyone know if ibuprofen interacts with blood pressure medication?",
    "Thanks for the article, the explanation of cartilage was really clear.",
    "I crack my knuckles every day and my doctor says it is harmless.",
    "Walking daily helped my joints more than any supplement I tried.",
    "The study about arthritis seems small, was it ever replicated?",
    "My grandmother had arthritis in her hands, stretching helped her a lot.",
    "Good point about hydration, I never thought about joint fluid.",
    "I asked my doctor about the knee pain and she suggested swimming.",
    "Interesting article, though I would like more sources about the study.",
]


@pytest.fixture
def trained() -> NaiveBayesFilter:
    spam_filter = NaiveBayesFilter()
    for text in SPAM:
        spam_filter.learn(text, is_spam=True)
    for text in HAM:
        spam_filter.learn(text, is_spam=False)
    return spam_filter


def counts(token: str) -> tuple[int, int]:
    row = SpamToken.objects.get(token=token)
    return row.spam, row.ham


def test_untrained_filter_holds_nobody():
    verdict = NaiveBayesFilter().score("Casino bonus https://cheap-pills.example")

    assert verdict == SpamVerdict(0.0, [STILL_LEARNING])


def test_filter_waits_for_enough_examples_of_each_class(settings):
    settings.TALKPAGE_SPAM_MIN_TRAINING = 5
    spam_filter = NaiveBayesFilter()
    for text in SPAM:
        spam_filter.learn(text, is_spam=True)
    for text in HAM[:4]:
        spam_filter.learn(text, is_spam=False)

    verdict = spam_filter.score(SPAM[0])
    assert verdict.score == 0.0
    assert verdict.reasons == [STILL_LEARNING]

    spam_filter.learn(HAM[4], is_spam=False)
    assert spam_filter.score(SPAM[0]).score > 0.9


def test_similar_spam_scores_high(trained):
    verdict = trained.score(
        "Huge casino bonus and cheap pills, visit https://cheap-pills.example/deal"
    )

    assert verdict.score > 0.9


def test_normal_comment_scores_low(trained):
    verdict = trained.score(
        "Stretching before walking helped my knee pain, thanks for the article."
    )

    assert verdict.score < 0.2


def test_reasons_name_the_telling_words_and_links(trained):
    verdict = trained.score("Casino bonus today https://cheap-pills.example/a")

    assert 1 <= len(verdict.reasons) <= 5
    assert "links to cheap-pills.example (seen in 10 spam, 0 approved)" in (
        verdict.reasons
    )
    assert 'word "casino" (seen in 6 spam, 0 approved)' in verdict.reasons
    assert "1 link" in verdict.reasons
    # Most telling first: the site every spam linked to before a word.
    assert verdict.reasons.index(
        "links to cheap-pills.example (seen in 10 spam, 0 approved)"
    ) < verdict.reasons.index('word "casino" (seen in 6 spam, 0 approved)')


def test_every_link_form_counts_as_the_site(trained):
    assert counts("link:cheap-pills.example") == (10, 0)
    assert counts("links:1") == (10, 0)
    assert counts("links:0") == (0, 10)


def test_a_markdown_link_showing_its_url_is_one_link():
    NaiveBayesFilter().learn(
        "[https://nhs.example/knee](https://www.nhs.example/knee)", is_spam=False
    )

    assert counts("links:1") == (0, 1)
    assert counts("link:nhs.example") == (0, 1)
    assert not SpamToken.objects.filter(token="https").exists()


def test_learning_counts_each_feature_once_per_text():
    NaiveBayesFilter().learn("pills pills pills PILLS", is_spam=True)

    assert counts("pills") == (1, 0)
    assert counts(DOCUMENTS) == (1, 0)


def test_learning_the_same_text_twice_counts_twice():
    spam_filter = NaiveBayesFilter()
    spam_filter.learn("Casino bonus", is_spam=True)
    spam_filter.learn("Casino bonus", is_spam=True)

    assert counts("casino") == (2, 0)
    assert counts(DOCUMENTS) == (2, 0)


def test_stop_words_and_single_letters_are_not_features():
    NaiveBayesFilter().learn("The pills are in a box", is_spam=True)

    tokens = set(SpamToken.objects.values_list("token", flat=True))
    assert tokens == {DOCUMENTS, "links:0", "pills", "box"}


def test_forget_undoes_learn_exactly(trained):
    before = {row.token: (row.spam, row.ham) for row in SpamToken.objects.all()}

    trained.learn(
        "Casino pills and knee pain https://cheap-pills.example", is_spam=True
    )
    trained.forget(
        "Casino pills and knee pain https://cheap-pills.example", is_spam=True
    )

    after = {row.token: (row.spam, row.ham) for row in SpamToken.objects.all()}
    assert {token: after[token] for token in before} == before
    assert all(after[token] == (0, 0) for token in after.keys() - before.keys())


def test_forgetting_everything_leaves_zero_counts(trained):
    for text in SPAM:
        trained.forget(text, is_spam=True)
    for text in HAM:
        trained.forget(text, is_spam=False)

    assert not SpamToken.objects.exclude(spam=0, ham=0).exists()


def test_forget_never_goes_below_zero():
    spam_filter = NaiveBayesFilter()
    spam_filter.learn("Casino bonus", is_spam=True)

    spam_filter.forget("Casino bonus", is_spam=True)
    spam_filter.forget("Casino bonus", is_spam=True)
    spam_filter.forget("Casino bonus", is_spam=False)
    spam_filter.forget("Something never learned", is_spam=True)

    assert counts("casino") == (0, 0)
    assert counts(DOCUMENTS) == (0, 0)


def huge_text() -> str:
    words = " ".join(f"word{i} https://site{i}.example/page" for i in range(400))
    return (words + " filler" * 2000)[:10_000]


def test_queries_do_not_grow_with_text_length(trained):
    spam_filter = NaiveBayesFilter()
    with CaptureQueriesContext(connection) as short_learn:
        spam_filter.learn("Casino bonus", is_spam=True)
    with CaptureQueriesContext(connection) as huge_learn:
        spam_filter.learn(huge_text(), is_spam=True)
    with CaptureQueriesContext(connection) as short_score:
        spam_filter.score("Casino bonus")
    with CaptureQueriesContext(connection) as huge_score:
        spam_filter.score(huge_text())

    assert len(huge_learn) == len(short_learn) <= 6
    assert len(huge_score) == len(short_score) == 1


def test_huge_text_stores_a_bounded_number_of_features(trained):
    before = SpamToken.objects.count()

    NaiveBayesFilter().learn(huge_text(), is_spam=True)

    assert SpamToken.objects.count() - before <= NaiveBayesFilter.max_features
    assert SpamToken.objects.filter(token__startswith="link:site").exists()


def test_long_hosts_are_truncated_to_fit():
    host = "a" * 150 + ".example"
    NaiveBayesFilter().learn(f"see https://{host}/", is_spam=True)

    assert SpamToken.objects.filter(token=f"link:{host}"[:100]).exists()


def test_non_latin_text_is_learned(settings):
    settings.TALKPAGE_SPAM_MIN_TRAINING = 3
    spam_filter = NaiveBayesFilter()
    for text in [
        "Лучшее казино, бонус каждый день 🎰💰",
        "Казино онлайн, выигрыш гарантирован 🎰",
        "Бонус для новых игроков казино 💰",
    ]:
        spam_filter.learn(text, is_spam=True)
    for text in [
        "Спасибо за статью, колено болит меньше после упражнений.",
        "Мой врач тоже советует плавание при болях в суставах.",
        "Интересная статья про суставы и хруст пальцев.",
    ]:
        spam_filter.learn(text, is_spam=False)

    spam = spam_filter.score("Казино дарит бонус 🎰")
    ham = spam_filter.score("Врач советует плавание, колено болит меньше.")

    assert spam.score > 0.9
    assert 'word "казино" (seen in 3 spam, 0 approved)' in spam.reasons
    assert 'symbol "🎰" (seen in 2 spam, 0 approved)' in spam.reasons
    assert ham.score < 0.2


class AlwaysSpam:
    def score(self, text: str) -> SpamVerdict:
        return SpamVerdict(1.0, ["always"])

    def learn(self, text: str, *, is_spam: bool) -> None:
        pass

    def forget(self, text: str, *, is_spam: bool) -> None:
        pass


def test_get_filter_is_naive_bayes_by_default():
    assert isinstance(get_filter(), NaiveBayesFilter)


def test_get_filter_honours_the_setting(settings):
    settings.TALKPAGE_SPAM_FILTER = "talkpage.moderation.tests.test_spam.AlwaysSpam"

    assert get_filter().score("hello") == SpamVerdict(1.0, ["always"])
