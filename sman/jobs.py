"""Long jobs (imports, PDFs, reports, statements): a visible state, a heartbeat, recovery and retry.

One mechanism for every app:

- **Rows.** A model with a state of its own (``ftth.ImportRun``, ``actions.Report``) inherits
  ``JobMixin`` and says which field holds its state; a task with no record of its own (FMIN PDFs, Pass
  Numérique statements) gets a ``sman.Job`` row. The job models are the installed models that inherit
  ``JobMixin``; the job kinds are the Celery tasks declared with ``@job_task``.
- **Sending** a job task (``delay``/``apply_async``, beat included) records the task and its arguments
  on the row, so that recovery and retry can send it again.
- **Claim.** When a worker starts the task, it claims the row in one UPDATE: pending, or running with a
  stale heartbeat (its worker died). Tasks are ``acks_late``, so a message may come twice (a broker
  redelivery, a recovery that crossed a slow worker): for a job that is done, failed, or running elsewhere
  with a fresh heartbeat, the task does nothing.
- **Heartbeat.** While the task runs, a thread with its own database connection refreshes the row's
  ``heartbeat_at`` every ``JOBS_HEARTBEAT_SECONDS``.
- **Recovery** (``recover_jobs``, beat every minute): a running job whose heartbeat is older than
  ``JOBS_STALL_SECONDS`` is sent again, or marked failed once it has been started ``JOBS_MAX_ATTEMPTS``
  times; a job still pending ``JOBS_PENDING_SECONDS`` after it was sent (its message was lost) is sent
  again.
- **Retry.** A failed job is sent again from its first attempt (``job_retry``): each app's service checks
  who may, its pages show a « Relancer » button, the admin has an action.

The broker's visibility timeout (sman/settings.py) is only the fallback of tasks that are not jobs.
"""

import logging
import threading
from datetime import timedelta
from functools import partial
from importlib import import_module

from celery import shared_task
from celery.exceptions import Retry
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .celery import BaseTask, app

# What a publish raises when Redis (the broker) cannot be reached, after kombu's own retries.
BROKER_UNREACHABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError)
logger = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
GENERIC_MODEL = "sman.Job"


class JobMixin(models.Model):
    """What every job row has besides its own state: heartbeat, attempts, and the task that runs it."""

    # The concrete model's state field (its choices include pending, running, done and failed) and the
    # field that records when it ended (None: it has none). Every job model also has `started_at` and `error`.
    job_state_field = "state"
    job_finished_field = "finished_at"

    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    queued_at = models.DateTimeField("envoyé au worker le", null=True, blank=True)
    task_name = models.CharField("tâche", max_length=200, blank=True)
    # None: arguments unknown (a row older than this mechanism), so the job cannot be sent again.
    task_args = models.JSONField("arguments de la tâche", null=True, blank=True)
    task_kwargs = models.JSONField("arguments nommés de la tâche", default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def job_state(self) -> str:
        return getattr(self, self.job_state_field)

    @property
    def resendable(self) -> bool:
        """Its task and arguments are known: it can be sent again."""
        return bool(self.task_name) and self.task_args is not None

    @property
    def retryable(self) -> bool:
        """A failed job that can be sent again (the « Relancer » button)."""
        return self.job_state == FAILED and self.resendable


def job_models() -> list[type[JobMixin]]:
    """Every job model (the installed models that inherit JobMixin)."""
    return [model for model in apps.get_models() if issubclass(model, JobMixin)]


def job_tasks() -> dict[str, "JobTask"]:
    """Every job kind: the registered tasks declared with @job_task, by name."""
    return {name: task for name, task in app.tasks.items() if isinstance(task, JobTask)}


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _stale() -> Q:
    """A running job whose worker stopped beating (or that never had a heartbeat)."""
    return Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=Now() - _seconds(settings.JOBS_STALL_SECONDS))


def _in_state(model: type[JobMixin], state: str) -> Q:
    return Q(**{model.job_state_field: state})


# --- In the worker -----------------------------------------------------------------------------------
def claim(model: type[JobMixin], pk: int, *, task_name: str, args: list, kwargs: dict) -> int | None:
    """Mark the job running for this worker, in one UPDATE; its attempt number, or None when the job is
    not this message's to run (done, failed, or running elsewhere with a fresh heartbeat)."""
    claimable = _in_state(model, PENDING) | (_in_state(model, RUNNING) & _stale())
    claimed = model.objects.filter(claimable, pk=pk).update(
        **{model.job_state_field: RUNNING},
        started_at=Now(),
        heartbeat_at=Now(),
        attempts=F("attempts") + 1,
        task_name=task_name,
        task_args=args,
        task_kwargs=kwargs,
    )
    if not claimed:
        return None
    return model.objects.values_list("attempts", flat=True).get(pk=pk)


def _this_attempt(model: type[JobMixin], pk: int, attempt: int):
    """The row while this attempt still owns it (recovery may have handed it to another worker)."""
    return model.objects.filter(_in_state(model, RUNNING), pk=pk, attempts=attempt)


class Heartbeat:
    """Refreshes the job's ``heartbeat_at`` every JOBS_HEARTBEAT_SECONDS from a thread of its own, with its
    own database connection (closed when the job ends), while the task's code runs undisturbed."""

    def __init__(self, model: type[JobMixin], pk: int, attempt: int):
        self.rows = _this_attempt(model, pk, attempt)
        self.interval = settings.JOBS_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat {model._meta.label} {pk}", daemon=True)

    def __enter__(self):
        # Inside a transaction (a task run eagerly), nobody else sees the claim before it commits, and an
        # UPDATE from another connection would wait for the row this transaction holds: no heartbeat.
        if not connection.in_atomic_block:
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 30)

    def _beat(self):
        try:
            while not self._stop.wait(self.interval):
                try:
                    connection.close_if_unusable_or_obsolete()
                    self.rows.update(heartbeat_at=Now())
                except DatabaseError:
                    # The database may come back: keep trying. If it does not, the job is recovered as stalled.
                    logger.warning("heartbeat of %s not recorded", self._thread.name, exc_info=True)
        finally:
            connection.close()


def _finish(model: type[JobMixin], pk: int, attempt: int, result) -> None:
    """A task that returned without recording an end of its own is done."""
    values = {model.job_state_field: DONE}
    if model.job_finished_field:
        values[model.job_finished_field] = Now()
    if model._meta.label == GENERIC_MODEL:
        values["result"] = result
    _this_attempt(model, pk, attempt).update(**values)


def _fail(model: type[JobMixin], pk: int, attempt: int, reason: str) -> None:
    values = {model.job_state_field: FAILED, "error": reason[:2000]}
    if model.job_finished_field:
        values[model.job_finished_field] = Now()
    _this_attempt(model, pk, attempt).update(**values)


class JobTask(BaseTask):
    """Celery base of job tasks (see the module's docstring). ``job_model``: the row's model ("app.Model"),
    whose primary key is the task's first argument; ``sman.Job`` for a task with no record of its own
    (its row's id then travels as the ``job_id`` keyword argument, which the task's code never sees)."""

    job_model = GENERIC_MODEL
    # Celery checks the arguments against the function when a task is sent: done in apply_async, before
    # `job_id` is added.
    typing = False

    @property
    def own_row(self) -> bool:
        return self.job_model != GENERIC_MODEL

    def row_model(self) -> type[JobMixin]:
        return apps.get_model(self.job_model)

    def apply_async(self, args=None, kwargs=None, **options):
        args, kwargs = list(args or ()), dict(kwargs or {})
        pk = None if self.own_row else kwargs.pop("job_id", None)
        self.__header__(*args, **kwargs)  # raises TypeError when the function does not take these arguments
        model = self.row_model()
        if self.own_row:
            pk = args[0]
        elif pk is None:
            pk = model.objects.create(task_name=self.name, task_args=args, task_kwargs=kwargs).pk
        model.objects.filter(pk=pk).update(task_name=self.name, task_args=args, task_kwargs=kwargs, queued_at=Now())
        if not self.own_row:
            kwargs["job_id"] = pk
        try:
            return super().apply_async(args, kwargs, **options)
        except BROKER_UNREACHABLE:
            # The row is recorded and pending: recover_jobs sends it once the broker answers again. The
            # person who asked for it sees their request accepted, not an error page.
            logger.warning("%s: broker unreachable, job %s %s left pending", self.name, model._meta.label, pk)
            return None

    def __call__(self, *args, **kwargs):
        kwargs = dict(kwargs)
        model = self.row_model()
        if self.own_row:
            pk = args[0]
        else:
            pk = kwargs.pop("job_id", None)
            if pk is None:  # sent by name (send_task) or called directly: the job is recorded now
                pk = model.objects.create(task_name=self.name, task_args=list(args), task_kwargs=kwargs).pk
        attempt = claim(model, pk, task_name=self.name, args=list(args), kwargs=kwargs)
        if attempt is None:
            logger.info("%s: job %s %s is not pending nor stalled, nothing to do", self.name, model._meta.label, pk)
            return None
        with Heartbeat(model, pk, attempt):
            try:
                # self.run, not super().__call__: the worker has already pushed this task's request.
                result = self.run(*args, **kwargs)
            except Retry:  # the retry is already sent (with a countdown): the job waits for it
                _this_attempt(model, pk, attempt).update(**{model.job_state_field: PENDING}, queued_at=Now())
                raise
            except Exception as exc:
                try:
                    _fail(model, pk, attempt, f"{type(exc).__name__} : {exc}")
                except DatabaseError:  # e.g. the task's own transaction is broken: the exception says why
                    logger.exception("%s: job %s %s could not be marked failed", self.name, model._meta.label, pk)
                raise
        _finish(model, pk, attempt, result)
        return result


def job_task(model: str = GENERIC_MODEL, **options):
    """``@shared_task`` for a long job: ``@job_task("ftth.ImportRun")`` when the task's first argument is the
    primary key of a row of that model, ``@job_task()`` for a task with no record of its own."""
    return shared_task(base=JobTask, job_model=model, **options)


# --- Sending again -----------------------------------------------------------------------------------
def _task(name: str) -> JobTask:
    if name not in app.tasks:  # a web process imports task modules only when it uses them
        import_module(name.rpartition(".")[0])
    return app.tasks[name]


def _send(model: type[JobMixin], pk: int) -> None:
    job = model.objects.get(pk=pk)
    kwargs = dict(job.task_kwargs)
    if model._meta.label == GENERIC_MODEL:
        kwargs["job_id"] = job.pk
    _task(job.task_name).apply_async(job.task_args, kwargs)


def _send_on_commit(model: type[JobMixin], pk: int) -> None:
    transaction.on_commit(partial(_send, model, pk))


def interruption_reason(attempts: int) -> str:
    return (
        f"Le traitement s'est interrompu {attempts} fois (le processus qui l'exécutait s'est arrêté avant la fin) : "
        "il n'est plus relancé automatiquement. Relancez-le une fois la cause trouvée (mémoire, redémarrage…)."
    )


NEVER_SENT_REASON = (
    "Le traitement s'est interrompu avant d'avoir été confié à un worker, et ses paramètres ne sont pas connus : "
    "il ne peut pas être relancé. Recommencez la demande."
)


def recover_jobs() -> dict[str, int]:
    """Jobs whose worker died are sent again (or failed after JOBS_MAX_ATTEMPTS starts); jobs whose message
    was lost are sent again. Each change is one conditional UPDATE: two recoveries never send a job twice."""
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for model in job_models():
        stalled = model.objects.filter(_in_state(model, RUNNING) & _stale())
        for job in stalled.only("pk", "attempts", "task_name", "task_args"):
            if job.attempts >= settings.JOBS_MAX_ATTEMPTS or not job.resendable:
                values = {model.job_state_field: FAILED, "error": interruption_reason(job.attempts)}
                if model.job_finished_field:
                    values[model.job_finished_field] = Now()
                counts["failed"] += stalled.filter(pk=job.pk).update(**values)
            elif stalled.filter(pk=job.pk).update(**{model.job_state_field: PENDING}, queued_at=Now()):
                logger.warning("%s %s: its worker stopped, sent again", model._meta.label, job.pk)
                _send_on_commit(model, job.pk)
                counts["requeued"] += 1
        pending = model.objects.filter(_in_state(model, PENDING))
        # Rows created without being sent through apply_async (older rows, send_task): start their clock.
        pending.filter(queued_at__isnull=True).update(queued_at=Now())
        lost = pending.filter(queued_at__lt=Now() - _seconds(settings.JOBS_PENDING_SECONDS))
        for job in lost.only("pk", "task_name", "task_args"):
            if not job.resendable:
                counts["failed"] += lost.filter(pk=job.pk).update(
                    **{model.job_state_field: FAILED, "error": NEVER_SENT_REASON}
                )
            elif lost.filter(pk=job.pk).update(queued_at=Now()):
                logger.warning("%s %s: pending too long, sent again", model._meta.label, job.pk)
                _send_on_commit(model, job.pk)
                counts["resent"] += 1
    return counts


def job_retry(*, job: JobMixin) -> JobMixin:
    """Send a failed job again, from its first attempt. The caller checks who may (the page's permission)."""
    model = type(job)
    job.refresh_from_db()
    if job.job_state != FAILED:
        raise ValidationError("Seul un traitement en échec peut être relancé.")
    if not job.retryable:
        raise ValidationError("Ce traitement ne peut pas être relancé : ses paramètres ne sont pas connus.")
    values = {model.job_state_field: PENDING, "error": "", "attempts": 0, "heartbeat_at": None, "queued_at": Now()}
    if model.job_finished_field:
        values[model.job_finished_field] = None
    try:
        with transaction.atomic():
            if not model.objects.filter(_in_state(model, FAILED), pk=job.pk).update(**values):
                raise ValidationError("Ce traitement vient d'être relancé.")
            _send_on_commit(model, job.pk)
    except IntegrityError as exc:  # e.g. one COPIL report in progress per session
        raise ValidationError("Le même traitement est déjà en cours.") from exc
    job.refresh_from_db()
    return job
