"""Publication: the planner records versions (one leader), every node's materializer writes and serves them."""

from workers.publication.materializer import Materializer
from workers.publication.planner import Outcome, Planner
from workers.publication.service import PublicationService

__all__ = ["Materializer", "Outcome", "Planner", "PublicationService"]
