"""Reading an XML export as a stream, safely.

Exports come from elsewhere and may be hostile: defusedxml refuses entity
declarations (the "billion laughs" expand a few bytes into gigabytes) and
external references. Elements are handed out as they end and dropped once
read, so memory holds one record at a time, not the file.
"""

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import iterparse

from talkpage.importers.records import ImportFileError


def ended_elements(
    stream, *, what: str, root_tag: str
) -> Iterator[tuple[int, Element, list[Element]]]:
    """(depth, element, ancestors) for every element as it ends, the root
    being depth 1. The caller removes what it has read from its parent;
    ``ancestors`` is the path from the root down to the element's parent.
    A file whose root is not ``root_tag`` is refused at its first tag.
    """
    ancestors: list[Element] = []
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            if event == "start":
                if not ancestors and element.tag != root_tag:
                    raise ImportFileError(
                        f"not a {what}: its root element is "
                        f"<{_spelled(element.tag)}>, not <{_spelled(root_tag)}>"
                    )
                ancestors.append(element)
                continue
            ancestors.pop()
            yield len(ancestors) + 1, element, ancestors
    except EntitiesForbidden as error:
        raise ImportFileError(
            f"the file declares an XML entity ({error.name!r}); entities can "
            "expand without limit (billion laughs), so the file is refused. "
            f"A real {what} never declares them."
        ) from None
    except DefusedXmlException as error:
        raise ImportFileError(
            f"the file refers to something outside itself ({type(error).__name__});"
            " refused"
        ) from None
    except ParseError as error:
        raise ImportFileError(f"not well-formed XML ({error})") from None


def split_tag(tag: str) -> tuple[str, str]:
    """("namespace", "local name") of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def text_of(element: Element | None) -> str:
    """The element's text (CDATA included), or "" when it is missing."""
    if element is None:
        return ""
    return "".join(element.itertext())


def _spelled(tag: str) -> str:
    namespace, local = split_tag(tag)
    return f'{local} xmlns="{namespace}"' if namespace else local
