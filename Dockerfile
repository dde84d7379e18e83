# syntax=docker/dockerfile:1
# Customer 360: one image for the web tier, the scheduler and pipeline commands.
#   docker build -t customer360 .
#   docker run customer360 web | scheduler | pipeline run | backup create | migrate
# Stage 1 builds the virtualenv (cached until requirements.txt changes); stage 2 is the slim, non-root runtime.

FROM python:3.11-slim-bookworm AS deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm AS runtime
# ODBC for SQL Server (FreeTDS; Microsoft's msodbcsql18 can replace it), libpq, and pg_dump/pg_restore for backups.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       unixodbc tdsodbc libpq5 postgresql-client tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin c360 \
    && mkdir -p /var/lib/c360 && chown c360 /var/lib/c360
COPY --from=deps /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    C360_VAR_DIR=/var/lib/c360 C360_LOG_FORMAT=json C360_HOST=0.0.0.0 \
    OPENBLAS_NUM_THREADS=1
WORKDIR /app
# The source last, owned by root and read-only to the service user; .dockerignore keeps secrets and data out.
COPY --chown=root:root --chmod=a+rX,go-w . /app
USER 10001
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4)"
ENTRYPOINT ["tini", "--", "/app/deploy/docker/entrypoint.sh"]
CMD ["web"]
