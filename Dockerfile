# syntax=docker/dockerfile:1
# One image for the API, the Celery workers and beat; the command picks the role:
#   pdf2audiobook serve --host 0.0.0.0   (default)
#   pdf2audiobook worker
#   pdf2audiobook beat

FROM python:3.11-slim-bookworm AS build

# The lock file decides every version; uv only installs what it lists.
RUN pip install --no-cache-dir uv==0.13.9

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv

WORKDIR /src

# Dependencies first, so a change to the source does not reinstall them.
COPY pyproject.toml uv.lock README.md LICENSE ./
RUN uv sync --frozen --no-dev --no-install-project

COPY src ./src
RUN uv sync --frozen --no-dev --no-editable


FROM python:3.11-slim-bookworm AS runtime

# Tesseract reads scanned pages (RapidOCR in the wheels is the fallback). FFmpeg is not
# installed: PyAV's wheel carries the libraries it encodes with.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /data --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 0700 /data

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data

# `.env` is read from the working directory; /data holds the embedded database, uploads
# and the chunk cache when no PostgreSQL or S3 is configured.
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001

EXPOSE 8000

# compose.yaml gives the worker and beat checks of their own: they serve no HTTP.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["pdf2audiobook"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
