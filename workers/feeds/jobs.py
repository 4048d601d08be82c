"""Feed items as jobs: what the CertStream client enqueues and how a worker hands them to intake."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from antifraud.feeds import FeedFormatError, FeedItem
from antifraud.jobs import Job, NewJob, PermanentJobError

FEED_ITEM = "feed_item"

Submit = Callable[[Sequence[FeedItem]], Awaitable[None]]


def feed_item_job(item: FeedItem, group: str | None = None) -> NewJob:
    """One item; the same indicator is queued once while it waits, whichever source sent it."""
    return NewJob(FEED_ITEM, item.to_json(), dedup_key=f"{item.type}:{item.value}", group=group)


class FeedItemHandler:
    """Runs `feed_item` jobs: submits the item through the intake path shared with `antifraud import`."""

    def __init__(self, submit: Submit) -> None:
        self.submit = submit

    async def __call__(self, job: Job) -> None:
        try:
            item = FeedItem.from_json(job.payload)
        except FeedFormatError as exc:
            raise PermanentJobError(exc.message) from exc
        await self.submit([item])
