# Rapport API: stateless workers; state lives in PostgreSQL (and Redis for shared rate limits).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/rapport
RUN useradd --create-home --uid 10001 rapport

# Dependencies first, so editing the code does not reinstall them.
COPY pyproject.toml README.md constraints.txt ./
RUN mkdir app && touch app/__init__.py && pip install -c constraints.txt . \
    && pip uninstall -y rapport-coach

# The app finds personas/, prompts/, migrations/ and alembic.ini beside its package, so it is
# installed in place (editable) rather than copied into site-packages without them.
COPY alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY personas ./personas
COPY prompts ./prompts
RUN pip install --no-deps -e .
# The personas' embedded questions, built into the image so replicas start in a second.
ENV RAPPORT_CACHE_DIR=/srv/rapport/cache
RUN rapport persona index && chown -R rapport /srv/rapport/cache

USER rapport
EXPOSE 8000
ENV RAPPORT_AUTH=keys
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')" || exit 1
# `rapport serve` migrates to head first; with several replicas, run `rapport db upgrade` as a
# one-off job before rolling out instead (docs/deploy.md; docker-compose.yml does).
CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
