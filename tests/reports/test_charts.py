"""The SVG charts: accessible names, escaped text, no inline styles, bars to scale."""
from lms.reports.charts import Bar, bar_chart, column_chart, line_chart


def test_a_bar_chart_is_an_image_with_a_title_a_description_and_escaped_labels():
    svg = str(bar_chart([Bar("<script>x</script>", 50, "50 %"), Bar("Ingen ännu", None, "—")],
                        title="Närvaro", description="Per kurs", maximum=100))
    assert 'role="img"' in svg and "<title" in svg and "Närvaro" in svg and "<desc" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg
    assert 'class="chart-bar" x="220" y="6" width="140.0"' in svg  # half of the 280 track
    assert 'class="chart-bar" x="220" y="34" width="0.0"' in svg


def test_a_sparkline_skips_sessions_without_a_rate():
    svg = str(line_chart([100, None, 50], title="Trend", description="100, —, 50"))
    assert 'points="0.0,2.0 160.0,18.0"' in svg


def test_columns_are_labelled_underneath():
    svg = str(column_chart([Bar("jan", 2, "2"), Bar("feb", 0, "0")], title="Intyg", description="Per månad"))
    assert svg.count('class="chart-label"') == 2 and ">feb<" in svg


def test_every_text_of_every_chart_is_escaped():
    evil = '<img src=x onerror="alert(1)">'
    charts = [
        bar_chart([Bar(evil, 50, evil)], title=evil, description=evil),
        line_chart([10, 20], title=evil, description=evil),
        column_chart([Bar(evil, 3, evil)], title=evil, description=evil),
    ]
    for svg in map(str, charts):
        assert "<img" not in svg and "onerror=\"" not in svg
        assert svg.count("&lt;img") == svg.count("<title") + svg.count("<desc") + svg.count('class="chart-value"') + \
            svg.count('class="chart-label"')


def test_in_a_right_to_left_language_the_charts_read_from_the_right():
    ltr = str(bar_chart([Bar("Arabiska", 50, "50 %")], title="t", description="d", rtl=False))
    rtl = str(bar_chart([Bar("العربية", 50, "50 %")], title="t", description="d", maximum=100, rtl=True))
    assert 'direction="rtl"' in rtl and 'direction="rtl"' not in ltr
    assert 'class="chart-label" x="212"' in ltr and 'class="chart-label" x="348"' in rtl  # 560 − 212
    assert 'class="chart-bar" x="200" y="6" width="140.0"' in rtl  # grows leftwards from the label
    columns = str(column_chart([Bar("jan", 2, "2"), Bar("feb", 1, "1")], title="t", description="d", rtl=True))
    assert columns.index("\u2068jan\u2069") < columns.index("\u2068feb\u2069")
    assert 'class="chart-label" x="420.0" y="142" text-anchor="middle">\u2068jan\u2069<' in columns, "January on the right"
    trend = str(line_chart([100, 50], title="t", description="d", rtl=True))
    assert 'points="160.0,2.0 0.0,18.0"' in trend


def test_the_charts_follow_the_requests_language(app):
    from flask_babel import refresh

    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        refresh()
        assert 'direction="rtl"' in str(bar_chart([Bar("x", 1, "1")], title="t", description="d"))
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        refresh()
        assert 'direction="rtl"' not in str(bar_chart([Bar("x", 1, "1")], title="t", description="d"))


def test_in_a_right_to_left_chart_each_text_is_isolated_and_still_escaped():
    svg = str(bar_chart([Bar("Föreningens ekonomi och bokföring i praktiken", 94, "94 %")], title="t",
                        description="d", rtl=True))
    assert "\u2068Föreningens ekonomi och bokföri…\u2069" in svg and "\u206894 %\u2069" in svg
    assert "&lt;b&gt;" in str(column_chart([Bar("<b>", 1, "1")], title="t", description="d", rtl=True))
