"""The notification work a worker does (talkpage/background/)."""

from django_tasks import task

from talkpage.background.retry import retrying
from talkpage.discussion.models import Comment
from talkpage.notifications import services


@task()
@retrying
def notify_subscribers(*, comment_id: int) -> int:
    comment = (
        Comment.objects.select_related("article", "user").filter(pk=comment_id).first()
    )
    if comment is None:  # deleted outright before the worker came to it
        return 0
    return services.queue_notices(comment=comment)


@task()
@retrying
def send_notices(*, address: str) -> int:
    return services.send_notices(address=address)


@task()
@retrying
def alert_moderators(*, comment_id: int) -> bool:
    comment = Comment.objects.filter(pk=comment_id).first()
    return comment is not None and services.alert_moderators(comment=comment)
