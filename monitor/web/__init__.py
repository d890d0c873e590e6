"""The daemon's HTTP side: a read-only status page, a health check and Prometheus metrics.

    server    the aiohttp application on the daemon's loop: routes, the token check, start and stop
    metrics   the daemon's own Prometheus registry, counted where the work happens
    pages     the status and timeline pages, from the store through the Jinja2 templates in `templates/`

It reads the store and the settings and is told the daemon's state through `DaemonView`; it never writes.
The server is imported from `monitor.web.server` by the daemon when the `http` section asks for it, not here:
aiohttp alone is 9 MB of a daemon that may never serve a page.
"""

from monitor.web.metrics import Metrics as Metrics
from monitor.web.metrics import TimedExecutor as TimedExecutor

