"""The progress bar: how far, of how much, and not too often."""

from talkpage.importers.progress import ProgressBar


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_it_redraws_one_line_at_most_five_times_a_second():
    written, clock = [], Clock()
    bar = ProgressBar(written.append, terminal=True, clock=clock)
    for done in range(0, 50_000_000, 1_000_000):
        bar("reading", done, 50_000_000, "bytes")
        clock.now += 0.05
    bar("reading", 50_000_000, 50_000_000, "bytes")
    # 2.5 seconds of calls every 50 ms.
    assert 10 <= len(written) <= 2.5 * 5 + 2
    assert written[0].startswith("\r")
    assert written[-1].endswith("\n")
    assert "100%" in written[-1]
    assert "50.0 of 50.0 MB" in written[-1]


def test_into_a_log_it_writes_plain_lines_now_and_then():
    written, clock = [], Clock()
    bar = ProgressBar(written.append, terminal=False, clock=clock)
    for done in range(1, 101):
        bar("threading", done, 100, "replies")
        clock.now += 1
    assert written[0] == "threading [------------------------]   1%  1 of 100 replies\n"
    assert written[-1].endswith("100%  100 of 100 replies\n")
    assert len(written) <= 12
    assert all("\r" not in line for line in written)


def test_a_new_stage_is_shown_at_once():
    written, clock = [], Clock()
    bar = ProgressBar(written.append, terminal=False, clock=clock)
    bar("reading", 1, 10, "bytes")
    bar("threading", 1, 10, "replies")
    assert [line.split()[0] for line in written] == ["reading", "threading"]


def test_finish_ends_a_line_left_half_drawn():
    written = []
    bar = ProgressBar(written.append, terminal=True)
    bar("reading", 5, 10, "bytes")
    bar.finish()
    assert written[-1] == "\n"
