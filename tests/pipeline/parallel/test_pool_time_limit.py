"""A task past its time limit has its process ended and fails; the pool carries on."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.parallel import ProcessPool, TimeLimitError

from .pool_tasks import pid_after, wait_for_ever


def test_a_task_past_its_time_limit_fails_and_its_process_is_replaced() -> None:
    pool = ProcessPool(1, name="limited", eager=True)
    try:
        before = pool.submit(pid_after, 1).result(timeout=60)[1]

        overran = pool.submit(wait_for_ever, time_limit=0.5)
        with pytest.raises(TimeLimitError, match="longer than"):
            overran.result(timeout=60)

        value, after = pool.submit(pid_after, 2).result(timeout=60)
        assert value == 2
        assert after != before
        assert pool.pids() == [after]
    finally:
        pool.shutdown()


def test_a_task_within_its_time_limit_returns_its_result() -> None:
    pool = ProcessPool(1, name="limited")
    try:
        assert pool.submit(pid_after, 7, time_limit=60).result(timeout=60)[0] == 7
    finally:
        pool.shutdown()
