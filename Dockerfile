# Rapport API: stateless workers; state lives in PostgreSQL (and Redis for shared rate limits).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/rapport
RUN useradd --create-home --uid 10001 rapport

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
RUN pip install .

COPY migrations ./migrations
COPY personas ./personas
COPY prompts ./prompts
USER rapport
EXPOSE 8000
ENV RAPPORT_AUTH=keys
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz')" || exit 1
# `rapport serve` migrates to head first; with several replicas, run `rapport db upgrade` as a
# one-off job before rolling out instead (see docs/deploy.md).
CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
