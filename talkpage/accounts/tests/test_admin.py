from django.urls import reverse

from talkpage.accounts.models import User

ADD_URL = reverse("admin:accounts_user_add")
PASSWORD = "a quiet lighthouse in fog"


def add(client, username: str, email: str):
    return client.post(
        ADD_URL,
        {
            "username": username,
            "email": email,
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "_save": "Save",
        },
    )


def test_a_moderator_can_add_several_accounts(client, bob):
    client.force_login(bob)

    for name in ("carol", "dave"):
        response = add(client, name, f"{name}@example.com")
        assert response.status_code == 302

    assert set(User.objects.values_list("email", flat=True)) == {
        "bob@example.org",
        "carol@example.com",
        "dave@example.com",
    }


def test_the_admin_refuses_an_account_without_email(client, bob):
    client.force_login(bob)

    response = add(client, "carol", "")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_the_admin_refuses_a_taken_email_in_any_case(client, bob, alice):
    client.force_login(bob)

    response = add(client, "carol", "ALICE@example.org")

    assert response.status_code == 200
    assert not User.objects.filter(username="carol").exists()


def test_readers_cannot_open_the_admin(client, alice):
    client.force_login(alice)

    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert not User.objects.filter(username="carol").exists()
