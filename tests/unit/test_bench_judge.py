"""bench/judge.py: the rules that keep bench/run.py from printing a rate it did not measure."""

from __future__ import annotations

from typing import Any

from bench import judge


def run(rps: float, requests: int = 1000, non2xx: int = 0, socket_errors: int = 0) -> Any:
    return {
        "rps": rps,
        "p50_ms": 10.0,
        "p99_ms": 20.0,
        "requests": requests,
        "non2xx": non2xx,
        "socket_errors": socket_errors,
    }


def test_a_run_with_answers_not_2xx_is_refused_with_its_counts() -> None:
    # The old accept floor: every seeded invitation already accepted, every answer a 400.
    reason = judge.refusal("sqlite round 1 accept_floor", run(0.0, 83_409, non2xx=83_409))
    assert reason == (
        "sqlite round 1 accept_floor: 83,409 requests, 83,409 not 2xx, 0 socket errors"
    )


def test_a_run_with_socket_errors_is_refused() -> None:
    assert judge.refusal("search", run(900.0, socket_errors=3)) is not None


def test_a_run_without_any_answer_is_refused() -> None:
    assert judge.refusal("search", run(0.0, requests=0)) == "search: no answer at all"


def test_a_run_that_may_have_used_up_its_input_is_refused() -> None:
    # 1,000 answered and up to 64 in flight: 1,050 distinct invitations may have run out.
    assert judge.refusal("accept", run(500.0), supplied=1_050, connections=64) is not None
    assert judge.refusal("accept", run(500.0), supplied=1_064, connections=64) is None


def test_a_clean_run_is_not_refused() -> None:
    assert judge.refusal("search", run(900.0)) is None


def test_a_figure_is_the_median_of_its_rounds_with_their_spread() -> None:
    figure = judge.figure([run(300.0), run(100.0), run(200.0)])
    assert (figure["rps"], figure["rps_min"], figure["rps_max"]) == (200.0, 100.0, 300.0)


def test_a_figure_with_a_refused_round_has_no_rate() -> None:
    figure = judge.figure([run(300.0), {"refused": "round 2: 5 not 2xx"}])
    assert "rps" not in figure
    assert figure["refused"] == ["round 2: 5 not 2xx"]


def test_a_ratio_is_the_median_of_the_rounds_ratios() -> None:
    value, why = judge.ratio(
        [run(100.0), run(300.0), run(200.0)], [run(200.0), run(300.0), run(100.0)]
    )
    assert why is None
    assert value == {"median": 1.0, "min": 0.5, "max": 2.0}


def test_a_ratio_with_a_refused_side_is_none_and_says_why() -> None:
    value, why = judge.ratio([run(100.0)], [{"refused": "accept_floor: 9 not 2xx"}])
    assert value is None
    assert why == "accept_floor: 9 not 2xx"


def test_the_input_of_a_run_grows_with_the_fastest_rate_seen() -> None:
    assert judge.inputs_needed([], 4_000.0, 3.0, 64) == 3 * 4_000 * 3 + 64
    assert judge.inputs_needed([500.0, 1_500.0], 4_000.0, 3.0, 64) == 3 * 1_500 * 3 + 64


def test_a_pool_hands_each_input_out_once_and_refills_when_short() -> None:
    asked: list[int] = []

    def refill(count: int) -> list[str]:
        asked.append(count)
        return [f"new-{n}" for n in range(count)]

    pool = judge.Pool(["a", "b", "c"], refill)
    first, second = pool.take(2), pool.take(3)
    assert first == ["a", "b"]
    assert second == ["c", "new-0", "new-1"]
    assert asked == [2]


def test_a_run_that_used_up_its_input_says_so_before_its_failed_answers() -> None:
    # The replayed accepts meet invitations already accepted: the 400s follow from the shortage.
    reason = judge.refusal("accept", run(100.0, 5_000, non2xx=4_000), supplied=1_000)
    assert reason is not None
    assert "only 1,000 distinct inputs" in reason


def test_a_target_is_met_only_by_a_measured_median_at_its_bound() -> None:
    ratios = {
        "aws_create_to_moto": {"median": 1.99, "min": 1.5, "max": 2.4},
        "aws_accept_to_accept": {"median": 0.9, "min": 0.85, "max": 0.95},
        "aws_list_to_search": None,  # a side refused
    }
    least = {
        "aws_create_to_moto": 2.0,
        "aws_accept_to_accept": 0.9,
        "aws_list_to_search": 0.9,
        "aws_search_to_tag_search": 0.9,  # not measured in this run
    }
    assert judge.met(ratios, least) == {
        "aws_create_to_moto": False,
        "aws_accept_to_accept": True,
        "aws_list_to_search": None,
        "aws_search_to_tag_search": None,
    }
