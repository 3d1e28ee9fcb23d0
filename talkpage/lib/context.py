from django.conf import settings


def site(request):
    return {"site_name": settings.TALKPAGE_SITE_NAME, "base_url": settings.BASE_URL}
