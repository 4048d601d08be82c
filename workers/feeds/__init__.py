"""Feed ingestion: pollers for document feeds, a CertStream client, and the feed_item job."""

from workers.feeds.certstream import CertstreamClient, CertstreamStats
from workers.feeds.jobs import FEED_ITEM, FeedItemHandler, Submit, feed_item_job
from workers.feeds.poller import FeedCursor, FeedFetchError, FeedPoller, PollResult

__all__ = [
    "FEED_ITEM",
    "CertstreamClient",
    "CertstreamStats",
    "FeedCursor",
    "FeedFetchError",
    "FeedItemHandler",
    "FeedPoller",
    "PollResult",
    "Submit",
    "feed_item_job",
]
