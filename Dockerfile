# Production-like image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

# SMAN_WEB_HOST/PORT: where gunicorn listens (sman/gunicorn.conf.py), on every interface of the container.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SMAN_ENV=production STATIC_ROOT=/app/staticfiles \
    SMAN_WEB_HOST=0.0.0.0 SMAN_WEB_PORT=8000
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 sman

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
# collectstatic needs settings but no secrets or services.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0 \
 && mkdir -p /app/var/private && chown -R sman /app/var
USER sman
EXPOSE 8000
# The same settings as `make run`: workers sized to the container's cores (WEB_CONCURRENCY to override).
CMD ["gunicorn", "-c", "sman/gunicorn.conf.py"]
