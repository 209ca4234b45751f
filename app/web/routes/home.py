from fastapi import APIRouter
from starlette.responses import Response

from app.web.browser_route import BrowserRoute
from app.web.deps import SettingsDep
from app.web.pages import render_page

router = APIRouter(tags=["home"], route_class=BrowserRoute)


@router.get("/", include_in_schema=False, response_class=Response)
def home(settings: SettingsDep) -> Response:
    """Where the printed app URL lands: what this is, and nothing secret."""
    return render_page(
        title="Birdhouse",
        message="Birdhouse connects bot accounts on X to the programs that drive them. "
        "If someone sent you an onboarding link, open that link: it takes you to X to "
        "authorize your bot.",
        hint="Operators: the console runs the fleet from a browser (with the admin token); the "
        "README explains the admin API, invites, the command line and how bot jobs read their "
        "keys.",
        badge="Welcome",
        # Relative, so they stay under a REST API stage prefix.
        links=[("Operator console", "console")]
        + ([("API docs", "docs")] if settings.docs_served else [])
        + [("Health check", "healthz")],
    )
