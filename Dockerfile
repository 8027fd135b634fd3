# Production image: gunicorn serving dasv, also used for the Celery worker and beat (docker-compose.yml).

# --- Front-end assets (GOV.UK Frontend compiled from Sass, htmx) -------------------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
COPY scripts/build-assets.mjs ./scripts/build-assets.mjs
RUN npm run build

# --- Python wheels (psycopg2 is built from source against libpq) -------------------------------------
FROM python:3.11-slim-bookworm AS wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY pyproject.toml README.md ./
COPY dasv ./dasv
COPY agencies ./agencies
COPY audit ./audit
COPY cases ./cases
COPY referrals ./referrals
COPY marac ./marac
COPY perpetrator_panel ./perpetrator_panel
COPY dhr ./dhr
COPY reporting ./reporting
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# --- Runtime ----------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 dasv
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --chown=dasv:dasv . .
COPY --from=assets --chown=dasv:dasv /build/static/dist ./static/dist
# collectstatic needs settings that load; these values exist only during the build.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret DASV_FIELD_KEYS=MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA= \
    ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && chown -R dasv:dasv /app/staticfiles
USER dasv
EXPOSE 8000
# /healthz is exempt from the HTTPS redirect, but Django still checks the Host header: send the first
# ALLOWED_HOSTS entry (a bare 127.0.0.1:8000 would get 400 DisallowedHost).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = (os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.') or 'localhost').replace('*', 'localhost'); u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]
CMD ["gunicorn", "dasv.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
