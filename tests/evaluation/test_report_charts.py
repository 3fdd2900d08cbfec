"""A report's charts keep their words inside the picture and apart: the
funding chart's scale once lost its first digits ("000,000" for
£1,000,000) and the names of its streams ran into each other."""

from django.template.loader import render_to_string

from nfc.charts import CHARACTER_WIDTH, Series, StackedBarChart

STREAMS = [
    "UK Shared Prosperity Fund",
    "Towns Fund",
    "Levelling Up Fund",
    "Community Wealth Fund",
    "National Lottery",
    "Other",
]


def funding_chart():
    return StackedBarChart(
        slug="funding",
        title="Funding by stream",
        summary="",
        series=[Series("secured", "Secured (£)", "series-1")],
        categories=STREAMS,
        rows=[{"secured": value} for value in (55_000, 825_000, 90_000, 960_000, 205_000, 70_000)],
    )


def test_the_scales_longest_number_fits_left_of_the_bars():
    chart = funding_chart()
    assert [tick["text"] for tick in chart.ticks][-1] == "1,000,000"
    # Drawn ending 6 units left of the plot, from the picture's left edge.
    assert len("1,000,000") * CHARACTER_WIDTH <= chart.plot_left - 6
    assert min(bar.x for bar in chart.bars) > chart.plot_left


def test_long_category_names_break_into_lines_that_fit_their_place():
    chart = funding_chart()
    slot = (chart.plot_right - chart.plot_left) / len(STREAMS)
    assert [" ".join(label["lines"]) for label in chart.labels] == STREAMS
    for label in chart.labels:
        assert all(len(line) * CHARACTER_WIDTH <= slot for line in label["lines"])
    # Every line is inside the picture.
    deepest = max(label["y"] + 13 * (len(label["lines"]) - 1) for label in chart.labels)
    assert deepest <= chart.height - 4


def test_the_page_draws_each_line_of_a_label():
    page = render_to_string("includes/chart.html", {"chart": funding_chart(), "table_beside": True})
    assert ">Community</tspan>" in page
    assert ">Wealth Fund</tspan>" in page


def test_the_scale_of_a_small_count_marks_its_quarters_exactly():
    chart = StackedBarChart(
        slug="requests",
        title="Requests",
        summary="",
        series=[Series("new", "New requests", "series-1")],
        categories=["Jan 2026", "Feb 2026"],
        rows=[{"new": 0}, {"new": 1}],
    )
    assert [tick["text"] for tick in chart.ticks] == ["0", "0.25", "0.5", "0.75", "1"]
