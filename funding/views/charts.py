"""Template helpers of the budget pages: bar widths, the months' timeline, percentages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from portal.formatting import NBSP, format_decimal, format_money, month_label

from . import bp


@bp.app_template_filter("budget_percent")
def budget_percent(value, total) -> str:
    """`value` as a share of `total`, for bar widths: "42.5" (0–100, a dot: an SVG attribute)."""
    value, total = Decimal(value or 0), Decimal(total or 0)
    if total <= 0:
        return "100" if value > 0 else "0"
    share = max(Decimal(0), min(Decimal(100), value * 100 / total))
    return format(share.quantize(Decimal("0.1")), "f")


@bp.app_template_global("budget_timeline")
def budget_timeline(series: list, width: int = 640, height: int = 220) -> dict | None:
    """Coordinates of the cumulative committed/paid lines of `FunderBudget.over_time`."""
    if not series:
        return None
    left, right, top, bottom = 90, width - 20, 12, height - 30
    peak = max(max(committed, paid) for _, committed, paid in series) or Decimal(1)
    step = (right - left) / max(len(series) - 1, 1)

    def x(i: int) -> str:
        return f"{left + (i * step if len(series) > 1 else (right - left) / 2):.1f}"

    def y(value) -> str:
        return f"{bottom - float(Decimal(value) / peak) * (bottom - top):.1f}"

    labels = [month_label(month) for month, _, _ in series]
    every = max(1, len(series) // 6)  # at most about six month labels under the axis
    _, committed, paid = series[-1]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "labels": labels,
        "max_label": format_money(peak),
        "committed": " ".join(f"{x(i)},{y(c)}" for i, (_, c, _) in enumerate(series)),
        "paid": " ".join(f"{x(i)},{y(p)}" for i, (_, _, p) in enumerate(series)),
        "points": [(x(i), y(c), y(p)) for i, (_, c, p) in enumerate(series)],
        "ticks": [(x(i), labels[i]) for i in range(0, len(series), every)],
        "summary": f"De {labels[0]} à {labels[-1]}, l'engagé cumulé atteint "
        f"{format_money(committed)} et le payé cumulé {format_money(paid)}.",
    }


@bp.app_template_filter("rate_fr")
def rate_fr(value) -> str:
    """A percentage the French way: 42,5 %."""
    rate = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(rate) + NBSP + "%"
