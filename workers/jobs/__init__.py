"""The job runner: claims jobs from the durable queue and drives their handlers."""

from workers.jobs.runner import Handler, JobRunner, RunnerSettings, UtcClock, default_worker_id

__all__ = ["Handler", "JobRunner", "RunnerSettings", "UtcClock", "default_worker_id"]
