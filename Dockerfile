# The center in one container: API, workers and publisher on the embedded SQLite store.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ANTIFRAUD_LISTEN=0.0.0.0:8080 \
    ANTIFRAUD_DB=/data/antifraud.sqlite3 \
    ANTIFRAUD_BLOCKLIST_DIR=/data/blocklists

WORKDIR /app
COPY pyproject.toml README.md ./
COPY antifraud ./antifraud
COPY blocklists ./blocklists
COPY workers ./workers
COPY config ./config
RUN pip install --no-cache-dir -e . \
    && useradd --system --uid 10001 --home-dir /data --create-home antifraud

USER 10001
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["antifraud"]
CMD ["serve"]
