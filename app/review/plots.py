"""The Review tab's progress plots (Gradio bar plots): reviews on each of the last 30 days, cards due on each of the
next 30, retention per section.

What a person must be able to read on them, at any width: whole numbers on the count axes (an all-zero plot once
read "0.000000"), dates that do not run into each other (real dates on a time axis, which keeps as many labels as
its width holds, rather than one text label per bar), section names short enough to stand under their bars
(whole in the bar's tooltip), and "none yet" in the title of a plot with nothing to show.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

DAYS = 30
NAME = 16  # characters of a section name under its bar; the whole name is in the bar's tooltip
LEAST_TOP = 5  # a count axis reaches 5 at least: with the few ticks a plot this high has, they step by whole numbers
HEIGHT = 280
FULL = "full name"  # the retention plot's tooltip column
# Titles short enough for one line on a phone: a second line would push the plot out of its fixed-height box.
REVIEWS, DUE, RETENTION = "Reviews per day (last 30 days)", "Due per day (next 30 days)", "Retention (% rated good or easy)"
EMPTY = {REVIEWS: "Reviews per day: none yet", DUE: "Due per day: none scheduled yet", RETENTION: "Retention: no ratings yet"}


def short_names(names: list[str], limit: int = NAME) -> list[str]:
    """Each name cut to ``limit`` characters with "…", all still different (a repeat gets a number)."""
    out: list[str] = []
    for name in names:
        label = name if len(name) <= limit else name[:limit - 1].rstrip() + "…"
        n = 2
        while label in out:  # two long names alike at the start
            label = f"{name[:limit - 4].rstrip()}… {n}"
            n += 1
        out.append(label)
    return out


def count_top(values) -> int:
    """The top of a count axis: the largest count, and at least LEAST_TOP."""
    return max([LEAST_TOP, *(int(v) for v in values)])


def midnights(days: list[date], tz) -> list[datetime]:
    """Each day's start on the clock the counts were made by (the browser of this computer draws the same date)."""
    return [datetime.combine(d, time(), tzinfo=tz) for d in days]


def day_frame(counts: list[tuple[date, int]], column: str, tz):
    """A plot's frame: "day" (each day's midnight, so the plot has a time axis) and the count per day."""
    import pandas as pd

    days = pd.to_datetime(midnights([d for d, _ in counts], tz))
    return pd.DataFrame({"day": days, column: pd.Series([n for _, n in counts], dtype="int64")})


def day_range(counts: list[tuple[date, int]], tz) -> list[float]:
    """The time axis' ends in seconds, half a day beyond the first and last day: no bar cut at either end."""
    first, last = midnights([counts[0][0], counts[-1][0]], tz)
    return [(first - timedelta(hours=12)).timestamp(), (last + timedelta(hours=12)).timestamp()]


def retention_frame(sections: list[dict]):
    """Retention (whole %) of each section with reviews: "section" (the short name under the bar; the plot orders
    them by name) and the full name for its tooltip. Typed even when empty: the plot takes its axes' kinds from
    its first frame."""
    import pandas as pd

    kept = [s for s in sections if s["retention"] is not None]
    names = [s["section"] for s in kept]
    return pd.DataFrame({"section": pd.Series(short_names(names), dtype="object"),
                         "retention": pd.Series([round(100 * s["retention"]) for s in kept], dtype="int64"),
                         FULL: pd.Series(names, dtype="object")})


def titled(label: str, empty: bool) -> str:
    return EMPTY[label] if empty else label


def plot_values(store, stats: dict | None = None, now: datetime | None = None) -> tuple[dict, dict, dict]:
    """What each plot shows now (reviews per day, due per day, retention): its frame and title, as the properties
    to update. The axes' ends come after, from plot_limits (see there why)."""
    from .progress import local_now

    now = now or local_now()
    stats = stats or store.stats(now)
    out = []
    for counts, column, label in ((store.reviews_per_day(DAYS, now), "reviews", REVIEWS),
                                  (store.due_forecast(DAYS, now), "due", DUE)):
        out.append({"value": day_frame(counts, column, now.tzinfo), "label": titled(label, not any(n for _, n in counts))})
    retention = retention_frame(stats["sections"])
    out.append({"value": retention, "label": titled(RETENTION, retention.empty)})
    return out[0], out[1], out[2]


def plot_limits(store, now: datetime | None = None) -> tuple[dict, dict, dict]:
    """The day plots' axis ends (whole-number counts; half a day beyond the first and last day), as properties for
    an update of their own, sent once plot_values' has been shown. Why apart: Gradio applies an update's value after
    its other properties, and a plot given a new axis end redraws at once with the data it holds, while the value
    arriving next lands on the chart being replaced. Sent together, a plot would stay one update behind (as it did:
    the last rating of a sitting missing from it)."""
    from .progress import local_now

    now = now or local_now()
    out = []
    for counts in (store.reviews_per_day(DAYS, now), store.due_forecast(DAYS, now)):
        out.append({"y_lim": [0, count_top(n for _, n in counts)], "x_lim": day_range(counts, now.tzinfo)})
    return out[0], out[1], {}


def build_plots(gr) -> tuple:
    """The three plots, side by side where there is room (opened inside the caller's gr.Blocks)."""
    days = {"x": "day", "x_axis_format": "%b %-d", "y_axis_format": "d", "y_lim": [0, LEAST_TOP], "height": HEIGHT,
            "min_width": 300}
    with gr.Row():
        per_day = gr.BarPlot(y="reviews", label=REVIEWS, elem_id="plot-reviews", **days)
        forecast = gr.BarPlot(y="due", label=DUE, elem_id="plot-forecast", **days)
        # steep labels: with many sections each has a narrow bar, and a flatter label would run into the next
        retention = gr.BarPlot(x="section", y="retention", label=RETENTION, elem_id="plot-retention", y_title="%",
                               y_lim=[0, 100], y_axis_format="d", x_label_angle=-60, tooltip=[FULL], height=HEIGHT,
                               min_width=300)
    return per_day, forecast, retention
