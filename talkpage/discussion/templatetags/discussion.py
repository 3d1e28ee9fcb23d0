from django import template

register = template.Library()


@register.simple_tag
def name_for(comment, viewer) -> str:
    return comment.name_for(viewer)


@register.simple_tag
def can_edit(comment, viewer) -> bool:
    return comment.can_edit(by=viewer)
