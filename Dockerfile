# Production image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-noto-cjk libharfbuzz-subset0 \
      libpango-1.0-0 libpangoft2-1.0-0 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 sctic

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN SECRET_KEY=build-only DEBUG=0 SCTIC_IGNORE_DOTENV=1 python manage.py compilemessages -v0 --ignore=.venv \
 && SECRET_KEY=build-only DEBUG=0 SCTIC_IGNORE_DOTENV=1 python manage.py collectstatic --noinput -v0 \
 && mkdir -p /app/var/private && chown -R sctic:sctic /app/var

USER sctic
EXPOSE 8000
CMD ["gunicorn", "sctic.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
