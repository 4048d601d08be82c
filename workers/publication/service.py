"""Publication as the API sees it (antifraud.services.status.Publications): what is served, what is held."""

from __future__ import annotations

from antifraud.domain.model import Delta, ListKind
from antifraud.ports import ListChange
from antifraud.services.status import Held, Served, ServedFile
from workers.publication.materializer import Materializer
from workers.publication.planner import Planner


class PublicationService:
    def __init__(self, planner: Planner, materializer: Materializer) -> None:
        self.planner = planner
        self.materializer = materializer
        self._served: Served | None = None
        self._served_version = -1

    def served(self) -> Served | None:
        manifest = self.materializer.served
        if manifest is None:
            return None
        if manifest.version != self._served_version:
            self._served = Served(
                manifest.version,
                manifest.generated_at,
                {n: ServedFile(n, f.path, f.sha256, f.size, f.entries) for n, f in manifest.files.items()},
                manifest.directory,
            )
            self._served_version = manifest.version
        return self._served

    def held(self) -> Held | None:
        hold = self.planner.held
        return None if hold is None else Held(hold.reason, hold.since)

    async def release(self, actor: str) -> tuple[str, int]:
        outcome = await self.planner.plan(force=True, actor=actor)
        if outcome.status == "published":
            await self.materializer.catch_up()
        return outcome.status, outcome.version

    async def pending(self) -> dict[str, list[ListChange]]:
        return await self.planner.preview()

    async def delta(self, kind: ListKind, since: int, until: int) -> Delta | None:
        return await self.materializer.delta(kind, since, until)
