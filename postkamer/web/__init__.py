"""The web app for queue owners and supervisors: server-rendered pages and a JSON API over the
tickets that intake and routing stored. `create_app(WebConfig(...))` builds it; `postkamer web`
serves it with uvicorn.
"""

from postkamer.web.app import create_app
from postkamer.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
