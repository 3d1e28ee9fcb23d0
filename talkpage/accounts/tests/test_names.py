import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from talkpage.accounts.models import MODERATORS_GROUP, User
from talkpage.accounts.names import (
    RESERVED_NAMES,
    is_reserved_name,
    is_taken_name,
    name_skeleton,
    refresh_name_skeletons,
)
from talkpage.testing import PASSWORD

REGISTER = reverse("accounts:register")


def registration(username: str) -> dict:
    return {
        "username": username,
        "email": "carol@example.com",
        "password1": "a quiet lighthouse in fog",
        "password2": "a quiet lighthouse in fog",
    }


@pytest.mark.parametrize(
    "name",
    [
        "alice",
        "Alice",
        "ALICE",
        "a l i c e",
        "a.l_i-c e",
        "\u0410lice",  # Cyrillic capital A
        "\u0430lice",  # Cyrillic small a
        "\u0391lice",  # Greek capital alpha
        "ａｌｉｃｅ",  # full-width
        "𝐚𝐥𝐢𝐜𝐞",  # mathematical bold
        "alice\u200b",  # zero-width space
        "al\u200dice",  # zero-width joiner
        "\u2060alice\ufeff",  # word joiner, byte order mark
        "alice\u034f",  # combining grapheme joiner (invisible)
        "\u00a0alice\u3000",  # no-break and ideographic spaces
    ],
)
def test_look_alikes_of_a_name_share_its_skeleton(name):
    assert name_skeleton(name) == name_skeleton("alice")


@pytest.mark.parametrize(
    ("name", "original"),
    [
        ("b0b", "bob"),  # Unicode's data: 0 looks like O
        ("ma11ory", "mallory"),  # ... and 1 like l
        ("rnallory", "mallory"),  # rn like m
        ("\u0440\u0430\u0443\u0440\u0430l", "paypal"),  # Cyrillic р а у
        ("\u03bd\u03bf", "vo"),  # Greek nu, omicron
    ],
)
def test_unicode_confusables_data_decides_which_characters_look_alike(name, original):
    assert name_skeleton(name) == name_skeleton(original)


@pytest.mark.parametrize(("name", "other"), [("alice", "alicia"), ("al1ce", "alice")])
def test_names_that_do_not_look_alike_have_different_skeletons(name, other):
    # 1 looks like l, not i: no leet rules beyond Unicode's own data.
    assert name_skeleton(name) != name_skeleton(other)


def test_a_skeleton_fits_the_column_however_long_the_name():
    assert len(name_skeleton("m" * 150)) == 150
    assert len(name_skeleton("\ufdfa" * 150)) == 150  # NFKC makes it 18 letters


@given(st.text(max_size=30))
def test_a_skeleton_is_its_own_skeleton(name):
    key = name_skeleton(name)

    assert name_skeleton(key) == key


@pytest.mark.parametrize(
    "name", ["alice", "ALICE", "Al ice", "\u0430lice", "alice\u200b", "aIice"]
)
def test_a_registered_username_is_taken_in_every_disguise(alice, name):
    assert is_taken_name(name)


def test_a_capital_that_only_looks_alike_before_case_folding_is_caught(bob):
    # Capital I looks like l, and Greek capital beta like B, but folded to
    # i and β they no longer do: is_taken_name also checks the unfolded look.
    assert is_taken_name("\u0392\u039f\u0392")  # Greek ΒΟΒ
    User.objects.create_user("lan", "lan@example.org", PASSWORD)
    assert is_taken_name("Ian")


def test_a_superusers_name_is_taken(bob):
    assert is_taken_name("Bob")
    assert is_taken_name("B0B")


def test_a_moderators_name_is_taken(db):
    moderator = User.objects.create_user("dora", "dora@example.org", PASSWORD)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])

    assert is_taken_name("D o r a")


def test_a_name_nobody_has_is_free(alice, bob):
    assert not is_taken_name("carol")
    assert not is_taken_name("alicia")


def test_a_name_without_letters_or_digits_matches_nobody(db):
    User.objects.create_user("...", "dots@example.org", PASSWORD)

    assert not is_taken_name("---")
    assert not is_taken_name("")


@pytest.mark.parametrize(
    "name",
    [*RESERVED_NAMES, "Moderator", "ADMIN", "Ad-min", "\u0410dmin", "\u0455taff"],
)
def test_role_words_are_reserved_and_taken(db, name):
    assert is_reserved_name(name)
    assert is_taken_name(name)


def test_a_name_merely_containing_a_role_word_is_not_reserved(db):
    assert not is_reserved_name("badminton")


def test_is_taken_name_is_one_query_whatever_the_number_of_users(alice, bob):
    for number in range(20):
        User.objects.create_user(f"reader{number}", f"r{number}@example.org", PASSWORD)

    with CaptureQueriesContext(connection) as queries:
        assert is_taken_name("READER7")
    assert len(queries) == 1
    assert "name_skeleton" in queries[0]["sql"]

    with CaptureQueriesContext(connection) as queries:
        assert is_taken_name("Moderator")
    assert len(queries) == 0, "reserved words need no query"


def test_the_skeleton_is_stored_when_a_user_is_created(alice):
    alice.refresh_from_db()

    assert alice.name_skeleton == name_skeleton("alice")


def test_the_skeleton_follows_a_username_change(alice):
    alice.username = "Alicia"
    alice.save(update_fields=["username"])

    alice.refresh_from_db()
    assert alice.name_skeleton == name_skeleton("alicia")
    assert is_taken_name("alicia")
    assert not is_taken_name("alice")


def test_refresh_fills_skeletons_that_bypassed_save(alice, bob):
    User.objects.update(name_skeleton="")

    assert refresh_name_skeletons() == 2

    assert set(User.objects.values_list("name_skeleton", flat=True)) == {
        name_skeleton("alice"),
        name_skeleton("bob"),
    }
    assert refresh_name_skeletons() == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_skeletons_of_existing_users():
    before = [("accounts", "0001_initial")]
    after = [("accounts", "0002_user_name_skeleton")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_user = executor.loader.project_state(before).apps.get_model(
            "accounts", "User"
        )
        old_user.objects.create(username="Al.ice", email="alice@example.org")

        executor.loader.build_graph()
        executor.migrate(after)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert User.objects.get(username="Al.ice").name_skeleton == name_skeleton("alice")


@pytest.mark.parametrize("username", ["\u0430lice", "ALICE", "a.lice", "aIice"])
def test_registration_refuses_a_look_alike_of_an_existing_username(
    client, alice, username
):
    response = client.post(REGISTER, registration(username))

    assert response.status_code == 400
    assert "That username is taken." in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("username", ["moderator", "Admin", "staff"])
def test_registration_refuses_a_role_word(client, db, username):
    response = client.post(REGISTER, registration(username))

    assert response.status_code == 400
    assert "That username is taken." in response.content.decode()
    assert not User.objects.exists()


def test_registration_refuses_a_name_of_punctuation_only(client, db):
    response = client.post(REGISTER, registration("._-"))

    assert response.status_code == 400
    assert "A username needs a letter or a digit." in response.content.decode()
    assert not User.objects.exists()


def test_registration_stores_the_new_users_skeleton(client, alice):
    response = client.post(REGISTER, registration("Carol"))

    assert response.status_code == 302
    carol = User.objects.get(username="Carol")
    assert carol.name_skeleton == name_skeleton("carol")
    assert is_taken_name("C\u0430rol")
