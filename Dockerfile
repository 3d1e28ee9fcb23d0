# Talkpage in a container: docs/deploy.md. Build and run:
#
#   docker build -t talkpage .
#   docker run -p 8000:8000 -v talkpage-data:/data \
#       -e TALKPAGE_BASE_URL=https://talk.example.org talkpage
#
# With no other setting it keeps SQLite, the secret key and the mail outbox
# in the /data volume. Several containers need TALKPAGE_DATABASE_URL,
# TALKPAGE_REDIS_URL and one TALKPAGE_SECRET_KEY (docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TALKPAGE_DATA_DIR=/data

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin talkpage \
    && mkdir /data \
    && chown talkpage:talkpage /data

# Every dependency ships binary wheels for Linux (x86-64 and arm64), so the
# slim image needs no compiler.
COPY pyproject.toml README.md /src/
COPY talkpage /src/talkpage
RUN pip install /src && rm -rf /src

USER talkpage
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# Any answer below 500 means a worker ran Django (a redirect to HTTPS or a
# 400 for the Host header still counts); the home page reads the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import http.client as h, sys; c = h.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/healthz'); sys.exit(c.getresponse().status != 200)"]

# One worker process per CPU the machine has; in a container limited to
# fewer CPUs, set TALKPAGE_WORKERS.
CMD ["talkpage", "serve", "--host", "0.0.0.0", "--port", "8000"]
