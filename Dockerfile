# monitor as a container: the daemon with config/ and state/ as volumes.
#   docker build -t monitor .
#   docker run -d --name monitor --stop-timeout 40 -v "$PWD/config:/app/config" -v monitor-state:/app/state monitor
# (--stop-timeout: Docker's 10 s default would cut the daemon's 30 s shutdown grace short)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MONITOR_CONFIG=/app/config
WORKDIR /app

COPY pyproject.toml README.md ./
COPY monitor ./monitor
# With the PostgreSQL driver, so that MONITOR_DATABASE may name a server (deploy/compose.yaml does).
RUN pip install '.[postgres]' && useradd --system --uid 10001 --home /app monitor

COPY config ./config
RUN mkdir -p /app/state && chown -R monitor /app/state

USER monitor
VOLUME ["/app/config", "/app/state"]

# Healthy while the daemon's heartbeat (written by its housekeeping while the delivery loop runs) is fresh,
# no target has been failing for more than 30 minutes and no alert expired lately.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["monitor", "status", "--health"]

ENTRYPOINT ["monitor"]
CMD ["run"]
