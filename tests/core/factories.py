"""Small builders shared by the core tests."""

from sqlalchemy.orm import Session

from postprod.model import Production
from postprod.services.productions import create_production


def make_production(session: Session, title: str = "Test Film", **kw: object) -> Production:
    args: dict[str, object] = dict(
        template="feature-film",
        runtime_minutes=100,
        fps="24",
        languages="fr,en,de",
        deliveries="2027-06-01",
        start="2026-12-01",
        with_crew=True,
    )
    args.update(kw)
    return create_production(session, title=title, **args)  # type: ignore[arg-type]
