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
