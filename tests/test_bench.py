"""The benchmark's own arithmetic (tests/bench.py): what it prints is what the issue is judged on."""

from tests.bench import bracketed, budget, drift


def _runs() -> tuple[dict, dict]:
    """(a): 100 workbooks at 30 ms of worker CPU each, in 2 s; (c), the naive loop: 9 s."""
    samples = [[n, 1, 0, 0, 30.0, 0, 0, 0] for n in range(100)]
    return {"samples": samples, "main_cpu": 0.8, "seconds": 2.0, "total": 100}, {"seconds": 9.0, "total": 100}


def test_budget_ceiling_is_the_naive_time_over_the_workers_cpu_per_core():
    a, c = _runs()
    text = budget(a, c, 2)  # 3 s of CPU on 2 cores: 1.5 s at best
    assert "workers 3.00 s" in text
    assert "main process 0.80 s (8.0 ms/wb)" in text
    assert "1.50 s of the 2.00 s" in text
    assert text.endswith("(a)/(c) ≤ 6.0× on this machine now")


def test_budget_counts_the_cores():
    a, c = _runs()
    assert budget(a, c, 1).endswith("≤ 3.0× on this machine now")


def test_drift_compares_the_two_runs_of_a_whichever_came_first():
    assert drift({"seconds": 6.0}, {"seconds": 5.0}).endswith(
        "5.00 / 6.00 s: the machine's speed moved 20% during this run"
    )


def test_the_x_heavy_ratio_takes_the_realistic_runs_around_it():
    # the machine slowing down steadily: 3.0 s before, 3.6 s after; (x) as slow as a realistic run then
    assert bracketed({"seconds": 3.3}, {"seconds": 3.0}, {"seconds": 3.6}) == 1.0
    assert bracketed({"seconds": 4.0}, {"seconds": 2.0}, {"seconds": 2.0}) == 2.0
