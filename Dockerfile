# Customer 360 portal, API and scheduler. Build: docker build -t customer360 .
FROM python:3.11-slim-bookworm

# ODBC for SQL Server (FreeTDS driver; Microsoft's msodbcsql18 can replace it) and PostgreSQL client libs.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends unixodbc tdsodbc libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 C360_VAR_DIR=/var/lib/c360

# Dependencies first, in their own layer, so code changes do not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 c360 && mkdir -p /var/lib/c360 && chown c360 /var/lib/c360
USER c360

EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/api/health', timeout=4)"
CMD ["gunicorn", "--bind", "0.0.0.0:8050", "--workers", "2", "--threads", "4", "--timeout", "120", "app:create_server()"]
