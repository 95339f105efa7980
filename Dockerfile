# syntax=docker/dockerfile:1
# Build: docker build -t roombooking .   Run: see compose.yaml and docs/deployment.md.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=roombooking.settings \
    ROOMBOOKING_VAR_DIR=/tmp/roombooking
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . /app
# Static files are collected at build time and served by whitenoise.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
USER 10001
EXPOSE 8000
# The same image runs every process type of the Procfile; web is the default.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "roombooking.wsgi"]
