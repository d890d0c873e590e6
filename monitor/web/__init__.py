"""The daemon's HTTP side: a read-only status page, a health check and Prometheus metrics.

    server    the aiohttp application on the daemon's loop: routes, the token check, start and stop
    metrics   the daemon's own Prometheus registry, counted where the work happens
    pages     the status and timeline pages, from the store through the Jinja2 templates in `templates/`

It reads the store and the settings and is told the daemon's state through `DaemonView`; it never writes.
"""

from monitor.web.metrics import Metrics as Metrics
from monitor.web.metrics import TimedExecutor as TimedExecutor
from monitor.web.server import DaemonView as DaemonView
from monitor.web.server import StatusServer as StatusServer
