"""Account work a worker does (talkpage/background/)."""

from django_tasks import task

from talkpage.background.retry import retrying


@task()
@retrying
def send_password_reset(*, email: str, context: dict) -> None:
    """Mails a reset link to each active account with ``email``, if any.

    The request that asked only queued this, for any address: looking the
    address up, and queuing a message only when it has an account, would
    make the answer to a known address take longer (a write, and its fsync
    on SQLite) and tell who has an account.
    """
    from talkpage.accounts.forms import ForgotPasswordForm
    from talkpage.accounts.views import ForgotPasswordView

    form = ForgotPasswordForm(data={"email": email})
    if not form.is_valid():
        return
    form.save(
        subject_template_name=ForgotPasswordView.subject_template_name,
        email_template_name=ForgotPasswordView.email_template_name,
        html_email_template_name=ForgotPasswordView.html_email_template_name,
        extra_email_context=context,
    )
