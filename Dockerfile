# Laurel production image. Build: docker build -t laurel .   (README "Production")
# Stage 1 installs the pinned requirements into /app/.venv and runs deploy/build.sh (compiled
# catalogues, collected static) — the same script CI runs. Stage 2 carries only the runtime
# libraries, the virtualenv and the built tree, and runs as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# gettext compiles the catalogues; WeasyPrint's libraries let the settings and apps load.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /app/.venv && /app/.venv/bin/pip install -r requirements.txt
COPY . .
ENV LAUREL_VAR_DIR=/app/var STATIC_ROOT=/app/static
RUN deploy/build.sh

FROM python:3.11-slim-bookworm AS runtime
# WeasyPrint (Pango, HarfBuzz subsetting) and CJK fonts for the letters; poppler for checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk poppler-utils \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system laurel && useradd --system --gid laurel --home-dir /app --shell /usr/sbin/nologin laurel
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# Runtime files (media, letters, attachments, audit checkpoints, keys) live on a volume the
# application user owns; the code and the collected static files stay read-only to it.
RUN mkdir -p /data && chown laurel:laurel /data
ENV PATH=/app/.venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LAUREL_VAR_DIR=/data STATIC_ROOT=/app/static DEBUG=0 LAUREL_BIND=0.0.0.0:8000
VOLUME ["/data"]
USER laurel
EXPOSE 8000
# Web by default; the worker and the scheduler use the same image (see Procfile):
#   docker run laurel python manage.py db_worker
#   docker run laurel python manage.py run_scheduler
CMD ["gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"]
