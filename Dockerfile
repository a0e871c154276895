# The one image behind web (daphne), worker and beat (celery) and the migrate job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 padelyzer

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Settings need a database URL and a key to load; collectstatic touches neither.
RUN DATABASE_URL=postgres://build@localhost/build SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput \
    && chown -R padelyzer:padelyzer /app/staticfiles

USER padelyzer
EXPOSE 8000
CMD ["python", "-m", "project.serve", "-b", "0.0.0.0", "-p", "8000", "project.asgi:application"]
