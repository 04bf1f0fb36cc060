"""django-q2 signals: the request or job id follows a task from the enqueuing process into the worker."""

from django_q.signals import pre_enqueue, pre_execute

from integration_server.logging_context import job_id_var, request_id_var


def _attach_context(sender, task, **kwargs):
    context = request_id_var.get() or job_id_var.get()
    if context:
        task["log_context"] = context


def _restore_context(sender, func, task, **kwargs):
    job_id_var.set(task.get("log_context") or f"task:{task.get('id', '')}")


def connect():
    pre_enqueue.connect(_attach_context, dispatch_uid="integration_server.attach_context")
    pre_execute.connect(_restore_context, dispatch_uid="integration_server.restore_context")
    from integration_server.outbox import worker_life

    worker_life.connect()  # heartbeat and start-up sweep from each worker process
