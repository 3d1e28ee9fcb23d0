from django import template

from talkpage.discussion import models

register = template.Library()


@register.simple_tag
def name_for(comment, viewer) -> str:
    return comment.name_for(viewer)


@register.simple_tag
def can_edit(comment, viewer) -> bool:
    return comment.can_edit(by=viewer)


@register.simple_tag
def vote_of(comment, votes) -> int:
    """The reader's vote on ``comment`` (+1, -1 or 0) from the page's votes."""
    return (votes or {}).get(comment.pk, 0)


@register.simple_tag
def comment_url(name: str, comment_id: int) -> str:
    """``{% url name comment_id %}`` for the per-comment URLs, faster (see
    models.comment_url): a page of threads asks for about four per comment."""
    return models.comment_url(name, comment_id)
