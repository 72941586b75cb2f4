"""What the Review tab shows, without a browser: the plots' data, axes and titles (empty ones say so; dates on the
student's clock; short section names with the whole name kept), the end of a sitting, and the pure renderers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.review.cards import Card
from app.review.grading import AGAIN, GOOD
from app.review.plots import NAME, short_names, plot_limits, plot_values
from app.review.session import Finished
from app.review.store import ReviewStore
from app.review.web_tab import done_html

WEST = timezone(timedelta(hours=-5))
NOW = datetime(2030, 3, 10, 12, 0, tzinfo=WEST)  # 17:00 UTC: a clock where the UTC day and the local day differ
LONG = "Identity and Access Management policies, roles and permission boundaries"


def card(i: int, heading: str = "VPC", source: str = "notes/x.md") -> Card:
    return Card(f"c-{i}", "cloze", f"Question {i} ___", f"answer {i}", source, heading, i, i, None)


def store_of(tmp_path) -> ReviewStore:
    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    store.sync([card(0, LONG), card(1, LONG + " > Roles"), card(2, "", "notes/loose.txt"), card(3, "VPC")])
    return store


def test_empty_plots_say_so_and_count_in_whole_numbers(tmp_path):
    store = store_of(tmp_path)
    reviews, due, retention = plot_values(store, now=NOW)
    assert reviews["label"] == "Reviews per day: none yet" and due["label"] == "Due per day: none scheduled yet"
    assert retention["label"] == "Retention: no ratings yet" and retention["value"].empty
    for limits in plot_limits(store, NOW)[:2]:
        assert limits["y_lim"] == [0, 5]  # whole-number ticks, not one tick at "0.000000"
    # an update with new data carries nothing that makes the plot redraw from the data it had (plot_limits says why)
    assert all(set(update) == {"value", "label"} for update in (reviews, due, retention))


def test_day_plots_count_on_the_students_clock_with_dates_on_a_time_axis(tmp_path):
    store = store_of(tmp_path)
    store.rate(card(0), GOOD, now=datetime(2030, 3, 9, 23, 0, tzinfo=WEST))  # 04:00 UTC on the 10th: yesterday here
    for i in (1, 2, 3):
        store.rate(card(i), AGAIN, now=NOW - timedelta(minutes=i))
    reviews, due, _ = plot_values(store, now=NOW)
    days = list(reviews["value"]["day"])
    assert len(days) == 30 and str(reviews["value"]["day"].dtype).startswith("datetime64")  # a time axis
    assert days[-1] == datetime(2030, 3, 10, tzinfo=WEST) and days[0] == datetime(2030, 2, 9, tzinfo=WEST)
    assert list(reviews["value"]["reviews"])[-2:] == [1, 3] and reviews["label"] == "Reviews per day (last 30 days)"
    assert list(due["value"]["due"])[0] == 4 and due["value"]["day"].iloc[0] == datetime(2030, 3, 10, tzinfo=WEST)
    per_day, forecast, _ = plot_limits(store, NOW)
    assert per_day["y_lim"] == [0, 5] and forecast["y_lim"] == [0, 5]
    first, last = (datetime.fromtimestamp(t, WEST) for t in per_day["x_lim"])
    assert (first, last) == (datetime(2030, 2, 8, 12, tzinfo=WEST), datetime(2030, 3, 10, 12, tzinfo=WEST))  # no bar cut
    for i in range(4, 12):  # more reviews than the least top: the axis grows with them
        store.sync([card(j, "VPC") for j in range(12)])
        store.rate(card(i, "VPC"), AGAIN, now=NOW)
    assert plot_limits(store, NOW)[0]["y_lim"] == [0, 11]


def test_retention_names_are_short_and_whole_in_the_tooltip(tmp_path):
    store = store_of(tmp_path)
    for i, rating in ((0, GOOD), (1, AGAIN), (2, GOOD)):
        store.rate(card(i), rating, now=NOW)  # (a rating needs only the card's id)
    frame = plot_values(store, now=NOW)[2]["value"]
    assert list(frame["full name"]) == [LONG, "loose.txt"]  # a note without headings by its file name
    assert list(frame["section"]) == ["Identity and Ac…", "loose.txt"] and list(frame["retention"]) == [50, 100]
    assert str(frame["retention"].dtype) == "int64"


def test_short_names_stay_different():
    names = ["Identity and Access Management policies", "Identity and Access Management roles", "VPC"]
    short = short_names(names)
    assert short[2] == "VPC" and all(len(s) <= NAME for s in short) and len(set(short)) == 3
    assert short[:2] == ["Identity and Ac…", "Identity and… 2"]


def test_the_end_of_a_sitting_says_what_was_done_and_what_comes_next():
    ended = done_html(Finished(3, NOW + timedelta(minutes=10), 4, NOW), "Lambda <")
    assert "<b>Session done</b>: 3 cards reviewed in sections matching “Lambda &lt;”." in ended
    assert "The next card is due in 10 minutes." in ended
    assert "4 cards can be reviewed now in other sections: pick another section." in ended
    nothing = done_html(Finished(0, None, 0, NOW))
    assert "Nothing is due right now." in nothing and "No card is scheduled yet." in nothing
    assert "other sections" not in nothing and "Session done" not in nothing
    one = done_html(Finished(1, NOW + timedelta(days=3), 0, NOW))
    assert "1 card reviewed." in one and "due in 3 days" in one


def test_review_renderers():
    from app.render import no_section_html, rated_html, rating_label, review_counts_html, verdict_html
    from app.review.cards import Card
    from app.review.grading import Grade
    from app.review.session import Feedback
    from app.review.web_tab import section_choices

    stats = {"cards": 12, "due_today": 3, "new": 7, "learned": 5, "suspended": 0, "flagged": 2}
    counts = review_counts_html(stats)
    assert "<b>12</b> cards" in counts and "<b>3</b> due today" in counts and "<b>7</b> new" in counts
    assert "<b>2</b> flagged" in counts and "suspended" not in counts
    assert no_section_html("xyz<", ["A", "B & C"]) == ('<p class="review-error">No section matches “xyz&lt;”. '
                                                       "Sections: A, B &amp; C</p>")
    assert rating_label(3, "in 2 days") == "Good · in 2 days"
    assert "Rated easy · next review in 9 days." in rated_html(4, "in 9 days")
    card = Card("c-1", "cloze", "Reads cost ___", "<b>4 KB</b>", "notes/x.md", "Sec > Sub", 3, 3, None)
    graded = verdict_html(Feedback(card, "8 KB", Grade(1, 0.1, "another amount")))
    assert 'class="grade grade-again grade-red"' in graded and "✗ again</b>: another amount." in graded
    assert "You said: 8 KB" in graded and "&lt;b&gt;4 KB&lt;/b&gt;" in graded
    shown = verdict_html(Feedback(card, "", None))
    assert "Answer shown" in shown and "You said" not in shown
    assert section_choices([("Sec", 1), ("Other", 4)], 5) == [("All sections · 5 cards", ""), ("Sec · 1 card", "Sec"),
                                                              ("Other · 4 cards", "Other")]
