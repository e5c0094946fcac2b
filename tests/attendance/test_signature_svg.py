"""What the browser sends as a signature is parsed and re-written from its paths' numbers only."""
import pytest

from lms.attendance.signature_svg import InvalidSignature, MAX_INPUT_CHARS, clean, data_url, parse_path

STROKE = '<path d="M10 10 L20 20 L30 15"/>'


def svg(*parts):
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200">' + "".join(parts) + "</svg>"


def test_a_drawn_stroke_is_kept_as_a_fresh_path():
    kept = clean(svg(STROKE))
    assert '<path d="M10 10 L20 20 L30 15"/>' in kept
    assert kept.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200"')


def test_scripts_handlers_links_styles_and_other_elements_are_dropped():
    hostile = svg('<script>alert(1)</script>', '<path d="M1 1 L5 5" onload="alert(1)" style="fill:url(http://x)"/>',
                  '<a href="javascript:alert(1)"><text>hi</text></a>', '<image href="http://evil.example/x.png"/>',
                  '<foreignObject><iframe src="x"></iframe></foreignObject>')
    kept = clean(hostile)
    for word in ("script", "alert", "onload", "style", "href", "text", "image", "iframe", "foreignObject", "http://evil"):
        assert word not in kept
    assert '<path d="M1 1 L5 5"/>' in kept


def test_paths_that_are_not_absolute_lines_of_numbers_are_dropped():
    assert parse_path("M1 2 C 3 4 5 6 7 8") is None
    assert parse_path("m1 2 l 3 4") is None
    assert parse_path("M1 2 L 3 x") is None
    assert parse_path("M1 2 L 3") is None
    assert parse_path("L1 2") is None
    assert parse_path("M1,2 3,4 L5 6") == [(1, 2), (3, 4), (5, 6)]
    kept = clean(svg('<path d="M1 1 C 2 2 3 3 4 4"/>', STROKE, '<path d="M0 0 L nan 4"/>'))
    assert kept.count("<path") == 1


def test_coordinates_are_clamped_to_the_box_and_rounded():
    kept = clean(svg('<path d="M-50 10.123 L 9000 1e9"/>'))
    assert '<path d="M0 10.1 L600 200"/>' in kept


def test_nothing_drawn_is_refused():
    for empty in ("", svg(), svg('<path d="M5 5"/>'), svg('<path d="M5 5 L5 5"/>'), "not svg at all"):
        with pytest.raises(InvalidSignature) as refused:
            clean(empty)
        assert refused.value.reason == "empty"


def test_a_drawing_too_large_is_refused():
    with pytest.raises(InvalidSignature, match="too_large"):
        clean(svg('<path d="M1 1 L2 2"/>' * 300))
    with pytest.raises(InvalidSignature, match="too_large"):
        clean(" " * (MAX_INPUT_CHARS + 1))


def test_the_image_address_is_re_cleaned():
    assert data_url(clean(svg(STROKE))).startswith("data:image/svg+xml;base64,")
