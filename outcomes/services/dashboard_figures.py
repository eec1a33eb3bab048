"""What the outcome dashboard shows: the figures of a set of funded projects (`Figures`), one
value of a breakdown (`Line`), a common indicator (`IndicatorLine`), the whole page
(`Dashboard`). Computed by outcomes.services.dashboard; read by the page, the exports, the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.models import Institution
from portal.reference import OUTCOMES, YOUNG_CATEGORIES

from .dashboard_filters import Filters, Options

ZERO = Decimal("0.00")
FUNDERS = (Institution.state, Institution.region)


@dataclass
class Figures:
    """The figures of one set of funded projects (all of them, or one value of a dimension)."""

    projects: int = 0
    reported: int = 0  # of which with a final report handed in
    granted: dict = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))
    commitments: dict = field(default_factory=lambda: dict.fromkeys(FUNDERS, 0))
    payments: dict = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))
    settled: dict = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))
    granted_reported: Decimal = ZERO  # granted to the projects with a report (cost per young)
    targeted: dict = field(default_factory=lambda: dict.fromkeys(YOUNG_CATEGORIES, 0))
    reached: dict = field(default_factory=lambda: dict.fromkeys(YOUNG_CATEGORIES, 0))
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    measured_projects: int = 0  # projects with at least one indicator target and value
    met_all_projects: int = 0  # of which every such indicator met its target
    indicators_measured: int = 0
    indicators_met: int = 0

    def paid(self, funder: Institution) -> Decimal:
        return self.payments[funder] - self.settled[funder]

    @property
    def granted_total(self) -> Decimal:
        return sum(self.granted.values(), ZERO)

    @property
    def paid_total(self) -> Decimal:
        return sum((self.paid(f) for f in FUNDERS), ZERO)

    @property
    def targeted_total(self) -> int:
        return sum(self.targeted.values())

    @property
    def reached_total(self) -> int:
        return sum(self.reached.values())

    @property
    def cost_per_young(self) -> Decimal | None:
        """Granted to the projects that reported, per young person they reached (None: none)."""
        if not self.reached_total:
            return None
        return (self.granted_reported / self.reached_total).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def met_all_share(self) -> Decimal | None:
        """Percent of the measured projects that met all their targets."""
        return percent(self.met_all_projects, self.measured_projects)

    @property
    def indicators_share(self) -> Decimal | None:
        return percent(self.indicators_met, self.indicators_measured)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One value of a breakdown: its key (as in the URL), its label, its figures."""

    key: str
    label: str
    figures: Figures


@dataclass
class IndicatorLine:
    """A call's common indicator (or the projects' own ones), over the measured projects."""

    label: str
    unit: str
    direction: str
    measured: int
    met: int
    mean_target: Decimal | None
    mean_achieved: Decimal | None

    @property
    def share(self) -> Decimal | None:
        return percent(self.met, self.measured)


@dataclass
class Dashboard:
    filters: Filters
    options: Options
    total: Figures
    breakdowns: dict[str, list[Line]]
    indicators: list[IndicatorLine]

    @property
    def empty(self) -> bool:
        return self.total.projects == 0
