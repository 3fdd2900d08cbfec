# The portal's image, for docker-compose.yml: web, worker and beat all run it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint draws the evaluation reports' PDFs with Pango, in a font kept
# in the image (a report never fetches one).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
RUN pip install -c requirements.lock .

COPY . .
# collectstatic reads settings; production mode's required variables are
# filled with placeholders here only, never used at run time.
RUN DJANGO_ENV=production SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.db \
    REDIS_URL=redis://build EMAIL_URL=consolemail:// NFC_BASE_URL=https://build.invalid \
    NFC_PRIVACY_CONTACT_EMAIL=build@build.invalid \
    python manage.py collectstatic --no-input

RUN useradd --system --uid 1000 --home /app nfc \
    # Beat keeps its schedule here, the web the erasure log there, and the
    # reports their files in the last, each on a volume, so a redeployment
    # keeps them.
    && mkdir -p /var/lib/celery /var/lib/nfc /var/lib/nfc-reports \
    && chown nfc /var/lib/celery /var/lib/nfc /var/lib/nfc-reports
USER nfc
EXPOSE 8000
CMD ["gunicorn", "-c", "python:nfc.gunicorn_conf", "nfc.wsgi"]
