"""Long jobs (imports, PDFs, reports, statements): a visible state, a heartbeat, recovery and retry.

One mechanism for every app:

- **Rows.** Every job row is a model that inherits ``AbstractJob``: the same columns everywhere (state,
  who asked and when, started, finished, heartbeat, attempts, the French reason of a failure and its
  technical detail, the result file in private storage with its SHA-256 checksum, and the task that runs
  it). A model with a record of its own (``ftth.ImportRun``, ``actions.Report``,
  ``passnumerique.BookletSheets``) is one; a task with no record of its own (FMIN PDFs, Pass Numérique
  statements) gets a ``sman.Job`` row. The job kinds are the Celery tasks declared with ``@job_task``.
- **States.** pending → running → done / failed (``JobState``). An app whose jobs have more states
  (FttH imports: refused, awaiting confirmation, cancelled) declares its own choices, which must include
  these four, and overrides the field: ``state = state_field(State.choices)``. The mechanism only ever
  writes and looks for the four; the other states belong to the app's own code, and a job in one of them
  is neither claimed, recovered nor retried.
- **Sending** a job task (``delay``/``apply_async``, beat included) records the task and its arguments
  on the row, so that recovery and retry can send it again (``requested_by=user`` records who asked, for
  a ``sman.Job`` row).
- **Claim.** When a worker starts the task, it claims the row in one UPDATE: pending, or running with a
  stale heartbeat (its worker died). Tasks are ``acks_late``, so a message may come twice (a broker
  redelivery, a recovery that crossed a slow worker): for a job that is done, failed, or running elsewhere
  with a fresh heartbeat, the task does nothing.
- **Heartbeat.** While the task runs, a thread with its own database connection refreshes the row's
  ``heartbeat_at`` every ``JOBS_HEARTBEAT_SECONDS``.
- **End.** A task that returns is done (unless its code recorded another end); one that raises is failed,
  with a French sentence for people in ``error`` (the message of a ``JobError`` or ``ValidationError``,
  a generic sentence otherwise) and the exception with its traceback in ``error_detail`` (staff only).
- **Result file.** ``job_result_write`` stores the bytes a job produced in private storage, with their
  SHA-256 checksum and size; they go out only through ``sman.files`` (permission-checked by each app's
  view), which checks the checksum and sends it (``ETag``, ``Repr-Digest``).
- **Recovery** (``recover_jobs``, beat every minute): a running job whose heartbeat is older than
  ``JOBS_STALL_SECONDS`` is sent again, or marked failed once it has been started ``JOBS_MAX_ATTEMPTS``
  times; a job still pending ``JOBS_PENDING_SECONDS`` after it was sent (its message was lost) is sent
  again.
- **Retry.** A failed job is sent again from its first attempt (``job_retry``): each app's service checks
  who may, its pages show the status partial (templates/sman/_job_status.html, sman/job_status.py) with a
  « Relancer » button, the admin has an action.

The broker's visibility timeout (sman/settings.py) is only the fallback of tasks that are not jobs.
"""

import hashlib
import logging
import threading
import traceback
from datetime import timedelta
from functools import partial
from importlib import import_module

from celery import shared_task
from celery.exceptions import Retry
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.text import get_valid_filename
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .celery import BaseTask, app

# What a publish raises when Redis (the broker) cannot be reached, after kombu's own retries.
BROKER_UNREACHABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError)
logger = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
ACTIVE = (PENDING, RUNNING)  # not over yet: the status partial keeps polling
GENERIC_MODEL = "sman.Job"


class JobState(models.TextChoices):
    """The states every job goes through. An app extends them with its own choices (see state_field)."""

    PENDING = PENDING, "en attente"
    RUNNING = RUNNING, "en cours"
    DONE = DONE, "terminé"
    FAILED = FAILED, "échec"


def state_field(choices=JobState.choices) -> models.CharField:
    """The ``state`` column of a job model. A model with more states (or other labels: a COPIL report is
    « prêt ») overrides the inherited field with its own choices, which must include the four of JobState
    (checked by tests/sman/test_consistency.py): ``state = state_field(State.choices)``. Django lets a
    concrete model override a field it inherits from an abstract model; the column stays the same."""
    return models.CharField("état", max_length=30, choices=choices, default=PENDING)


def job_file_path(job: "AbstractJob", filename: str) -> str:
    """Where a job's result file is stored in private storage: the model's ``result_folder``."""
    return f"{job.result_folder}/{filename}"


class JobError(Exception):
    """Raised by a job's code with a French sentence that says what went wrong and what to do: the job fails
    with that sentence for people, rather than the generic one."""


UNEXPECTED_FAILURE = (
    "Le traitement s'est arrêté sur une erreur inattendue. Relancez-le ; si l'échec se répète, signalez-le à "
    "l'équipe de la Métropole, qui en trouvera le détail technique."
)
DETAIL_CHARS = 20_000


class AbstractJob(models.Model):
    """What every job row has: its state, who asked and when, its timestamps, heartbeat and attempts, why it
    failed, the file it produced with its checksum, and the task that runs it (see the module's docstring)."""

    # The folder of the model's result files in private storage.
    result_folder = "jobs"
    # The model's states (a model with its own choices names them State too).
    State = JobState

    state = state_field()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    queued_at = models.DateTimeField("envoyé au worker le", null=True, blank=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    # What people read: a French sentence that says what to do. What happened (the exception, its traceback)
    # is in error_detail, for staff only.
    error = models.TextField("motif de l'échec", blank=True)
    error_detail = models.TextField("détail technique de l'échec", blank=True)
    # Private storage (sman/storage.py): served only by permission-checked views (sman/files.py).
    file = models.FileField("fichier produit", upload_to=job_file_path, max_length=300, blank=True)
    checksum = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    size = models.PositiveBigIntegerField("taille (octets)", null=True, blank=True)
    task_name = models.CharField("tâche", max_length=200, blank=True)
    # None: arguments unknown (a row older than this mechanism), so the job cannot be sent again.
    task_args = models.JSONField("arguments de la tâche", null=True, blank=True)
    task_kwargs = models.JSONField("arguments nommés de la tâche", default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        """Pending or running: not over yet."""
        return self.state in ACTIVE

    @property
    def resendable(self) -> bool:
        """Its task and arguments are known: it can be sent again."""
        return bool(self.task_name) and self.task_args is not None

    @property
    def retryable(self) -> bool:
        """A failed job that can be sent again (the « Relancer » button)."""
        return self.state == FAILED and self.resendable

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


def job_models() -> list[type[AbstractJob]]:
    """Every job model (the installed models that inherit AbstractJob)."""
    return [model for model in apps.get_models() if issubclass(model, AbstractJob)]


def job_tasks() -> dict[str, "JobTask"]:
    """Every job kind: the registered tasks declared with @job_task, by name."""
    return {name: task for name, task in app.tasks.items() if isinstance(task, JobTask)}


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _stale() -> Q:
    """A running job whose worker stopped beating (or that never had a heartbeat)."""
    return Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=Now() - _seconds(settings.JOBS_STALL_SECONDS))


# --- The result file ---------------------------------------------------------------------------------
def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def job_result_write(*, job: AbstractJob, content: bytes, filename: str) -> AbstractJob:
    """Store what a job produced as its result file, in private storage, with the SHA-256 checksum and size
    of these very bytes (a later download checks the file against them, sman/files.py). A file written by
    an earlier attempt is replaced, and deleted once this one is committed."""
    model = type(job)
    locked = model.objects.select_for_update().get(pk=job.pk)
    previous = locked.file.name
    locked.file.save(get_valid_filename(filename), ContentFile(content), save=False)
    locked.checksum, locked.size = sha256_hex(content), len(content)
    locked.save(update_fields=["file", "checksum", "size"])
    if previous and previous != locked.file.name:
        storage = locked.file.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return locked


# --- In the worker -----------------------------------------------------------------------------------
def claim(model: type[AbstractJob], pk: int, *, task_name: str, args: list, kwargs: dict) -> int | None:
    """Mark the job running for this worker, in one UPDATE; its attempt number, or None when the job is
    not this message's to run (done, failed, or running elsewhere with a fresh heartbeat)."""
    claimable = Q(state=PENDING) | (Q(state=RUNNING) & _stale())
    claimed = model.objects.filter(claimable, pk=pk).update(
        state=RUNNING,
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


def _this_attempt(model: type[AbstractJob], pk: int, attempt: int):
    """The row while this attempt still owns it (recovery may have handed it to another worker)."""
    return model.objects.filter(state=RUNNING, pk=pk, attempts=attempt)


class Heartbeat:
    """Refreshes the job's ``heartbeat_at`` every JOBS_HEARTBEAT_SECONDS from a thread of its own, with its
    own database connection (closed when the job ends), while the task's code runs undisturbed."""

    def __init__(self, model: type[AbstractJob], pk: int, attempt: int):
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


def failure_reason(exc: BaseException) -> str:
    """What people read when a job fails on an exception: the French sentence of a JobError or a
    ValidationError (a rule of the domain said no), a generic sentence otherwise."""
    if isinstance(exc, JobError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return UNEXPECTED_FAILURE


def technical_detail(exc: BaseException) -> str:
    """The exception and its traceback, for staff (the status partial, the admin): its end when it is long."""
    return "".join(traceback.format_exception(exc))[-DETAIL_CHARS:]


def job_fail(*, job: AbstractJob, exc: BaseException) -> None:
    """Record that a running job failed on ``exc``, from a job's own code that handles the exception itself
    (rather than letting the task raise it): the French reason for people, the detail for staff."""
    type(job).objects.filter(pk=job.pk, state=RUNNING).update(
        state=FAILED, error=failure_reason(exc), error_detail=technical_detail(exc), finished_at=Now()
    )


def _finish(model: type[AbstractJob], pk: int, attempt: int, result) -> None:
    """A task that returned without recording an end of its own is done."""
    values = {"state": DONE, "finished_at": Now()}
    if model._meta.label == GENERIC_MODEL:
        values["result"] = result
    _this_attempt(model, pk, attempt).update(**values)


def _fail(model: type[AbstractJob], pk: int, attempt: int, exc: BaseException) -> None:
    _this_attempt(model, pk, attempt).update(
        state=FAILED, error=failure_reason(exc), error_detail=technical_detail(exc), finished_at=Now()
    )


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

    def row_model(self) -> type[AbstractJob]:
        return apps.get_model(self.job_model)

    def apply_async(self, args=None, kwargs=None, **options):
        """Records the task on its row before sending it. ``requested_by`` (a user): who asked, recorded on the
        ``sman.Job`` row it creates (a model with a row of its own records it when it creates the row)."""
        args, kwargs = list(args or ()), dict(kwargs or {})
        requested_by = options.pop("requested_by", None)
        pk = None if self.own_row else kwargs.pop("job_id", None)
        self.__header__(*args, **kwargs)  # raises TypeError when the function does not take these arguments
        model = self.row_model()
        if self.own_row:
            pk = args[0]
        elif pk is None:
            pk = model.objects.create(
                task_name=self.name, task_args=args, task_kwargs=kwargs, requested_by=requested_by
            ).pk
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
                _this_attempt(model, pk, attempt).update(state=PENDING, queued_at=Now())
                raise
            except Exception as exc:
                try:
                    _fail(model, pk, attempt, exc)
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


def _send(model: type[AbstractJob], pk: int) -> None:
    job = model.objects.get(pk=pk)
    kwargs = dict(job.task_kwargs)
    if model._meta.label == GENERIC_MODEL:
        kwargs["job_id"] = job.pk
    _task(job.task_name).apply_async(job.task_args, kwargs)


def _send_on_commit(model: type[AbstractJob], pk: int) -> None:
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
        stalled = model.objects.filter(Q(state=RUNNING) & _stale())
        for job in stalled.only("pk", "attempts", "task_name", "task_args"):
            if job.attempts >= settings.JOBS_MAX_ATTEMPTS or not job.resendable:
                counts["failed"] += stalled.filter(pk=job.pk).update(
                    state=FAILED, error=interruption_reason(job.attempts), finished_at=Now()
                )
            elif stalled.filter(pk=job.pk).update(state=PENDING, queued_at=Now()):
                logger.warning("%s %s: its worker stopped, sent again", model._meta.label, job.pk)
                _send_on_commit(model, job.pk)
                counts["requeued"] += 1
        pending = model.objects.filter(state=PENDING)
        # Rows created without being sent through apply_async (older rows, send_task): start their clock.
        pending.filter(queued_at__isnull=True).update(queued_at=Now())
        lost = pending.filter(queued_at__lt=Now() - _seconds(settings.JOBS_PENDING_SECONDS))
        for job in lost.only("pk", "task_name", "task_args"):
            if not job.resendable:
                counts["failed"] += lost.filter(pk=job.pk).update(
                    state=FAILED, error=NEVER_SENT_REASON, finished_at=Now()
                )
            elif lost.filter(pk=job.pk).update(queued_at=Now()):
                logger.warning("%s %s: pending too long, sent again", model._meta.label, job.pk)
                _send_on_commit(model, job.pk)
                counts["resent"] += 1
    return counts


def job_retry(*, job: AbstractJob) -> AbstractJob:
    """Send a failed job again, from its first attempt. The caller checks who may (the page's permission)."""
    model = type(job)
    job.refresh_from_db()
    if job.state != FAILED:
        raise ValidationError("Seul un traitement en échec peut être relancé.")
    if not job.retryable:
        raise ValidationError("Ce traitement ne peut pas être relancé : ses paramètres ne sont pas connus.")
    values = {
        "state": PENDING, "error": "", "error_detail": "", "attempts": 0, "heartbeat_at": None,
        "queued_at": Now(), "finished_at": None,
    }  # fmt: skip
    try:
        with transaction.atomic():
            if not model.objects.filter(state=FAILED, pk=job.pk).update(**values):
                raise ValidationError("Ce traitement vient d'être relancé.")
            _send_on_commit(model, job.pk)
    except IntegrityError as exc:  # e.g. one COPIL report in progress per session
        raise ValidationError("Le même traitement est déjà en cours.") from exc
    job.refresh_from_db()
    return job
