"""Concurrent calls for race tests: each call in its own thread (so its own database connection), all released at
once by a barrier. Use in ``django_db(transaction=True)`` tests."""

import threading

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection


def race(calls) -> list:
    """Each call's result, or the ValidationError it raised, in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except ValidationError as exc:
            outcomes[i] = exc
        finally:
            connection.close()
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def race_messages(calls) -> list[str]:
    """The same, each outcome as « ok » or the first message of the ValidationError the call raised."""
    return [o.messages[0] if isinstance(o, ValidationError) else "ok" for o in race(calls)]
