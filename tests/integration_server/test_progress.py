"""The one progress line of the long commands."""

from io import StringIO

from django.core.management.base import OutputWrapper

from integration_server.progress import ProgressLine


def test_a_known_total_fills_the_bar_and_close_ends_the_line():
    out = StringIO()
    with ProgressLine(OutputWrapper(out), width=10) as line:
        line.update(5, 10, "half")
        line.update(10, 10, "all")
    assert out.getvalue() == "\r[#####.....] 5/10 half\r[##########] 10/10 all\n"


def test_without_a_total_the_bar_fills_per_ten_steps_and_nothing_written_means_no_newline():
    out = StringIO()
    line = ProgressLine(OutputWrapper(out), width=10)
    line.close()
    assert out.getvalue() == ""
    for n in range(11):
        line.update(detail=f"page {n + 1}")
    assert out.getvalue().split("\r")[-1] == "[#.........] page 11"
