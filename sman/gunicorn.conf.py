"""Gunicorn settings, the one place for them: `make run` (scripts/dev.sh), the Dockerfile (and so
docker-compose.yml), the server test and the benchmarks start ``gunicorn -c sman/gunicorn.conf.py``.

Sized to the machine: (2 × cores) + 1 worker processes, as gunicorn's design notes advise, each with a
few threads (``gthread``): a thread waiting on PostgreSQL or Redis does not hold a whole process, and a
gthread worker accepts connections beyond its busy threads and queues them instead of leaving them to
the kernel. Environment variables:

- ``SMAN_WEB_HOST`` (default 127.0.0.1; the Docker image sets 0.0.0.0), ``SMAN_WEB_PORT`` (default 8000);
- ``WEB_CONCURRENCY``: the number of worker processes, instead of the one computed from the cores;
- ``GUNICORN_THREADS``: threads per worker (default 4);
- ``GUNICORN_CMD_ARGS``: any other gunicorn option (gunicorn reads it itself, it wins over this file).

Each thread may hold a PostgreSQL connection (``DATABASE_CONN_MAX_AGE``): workers × threads, plus the
Celery workers, must stay below the server's ``max_connections`` (100 by default), hence the ceiling.
"""

import os

MAX_WORKERS = 12  # gunicorn's notes: 4 to 12 workers serve hundreds or thousands of requests per second


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (taskset, container cpuset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "sman.wsgi:application"
bind = [f"{os.environ.get('SMAN_WEB_HOST', '127.0.0.1')}:{os.environ.get('SMAN_WEB_PORT', '8000')}"]
# Connections the kernel keeps waiting while every worker is busy accepting (gunicorn's default is
# 2048; Linux caps it at net.core.somaxconn, 4096 on recent kernels).
backlog = 4096

workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cores() + 1, MAX_WORKERS))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# Connections one worker holds at once, queued for its threads (gthread only).
worker_connections = 1000
# A worker that stops answering the master for this long is restarted. The long jobs (imports, PDF
# reports, statements) run in Celery, not in a request; 60 s leaves room for a large upload.
timeout = 60
graceful_timeout = 30
keepalive = 5

accesslog = "-"  # stdout: var/log/web.log under `make run`, the container's log under Docker
errorlog = "-"

# The workers' heartbeat files in memory rather than on a disk-backed /tmp (a container's overlay
# filesystem can stall the heartbeat: gunicorn's FAQ on blocking os.fchmod).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# Since gunicorn 25 the master opens a control socket, by default at one path per user account
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): two servers on one machine would take each other's.
# Nothing here uses it (gunicornc); signals and the pid files are enough.
control_socket_disable = True
