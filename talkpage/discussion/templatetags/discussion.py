from django import template

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
