"""办不成事反映与体验走流程 API."""

from ninja import Router

router = Router(tags=["办不成事反映与体验走流程"])
