from django.urls import register_converter


class ObjectId:
    """A positive database id; longer numbers would overflow a BIGINT."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ObjectId, "id")
