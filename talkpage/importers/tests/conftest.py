import pytest

from talkpage.embeds.models import Site


@pytest.fixture
def blog(db) -> Site:
    """A registered site that embeds discussions, as `addsite` makes one."""
    site = Site.objects.create(name="The blog")
    site.origins.create(origin="https://blog.example")
    return site
