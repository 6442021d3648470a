"""Calls started at the same moment, each in its own thread: how tests play replicas at once."""
import threading
from typing import Any, Callable, List, Sequence, Tuple


def at_once(calls: Sequence[Callable[[], Any]], *, timeout: float = 60.0,
            ) -> Tuple[List[Any], List[Exception]]:
    """Run ``calls`` together (released by one barrier); ``(results, errors)``: the results of the
    calls that returned, in the order of ``calls``, and what the others raised. A call still running
    after ``timeout`` seconds is an error too."""
    barrier = threading.Barrier(len(calls))
    outcomes: List[Any] = [None] * len(calls)
    finished = [False] * len(calls)
    errors: List[Exception] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = calls[index]()
            finished[index] = True
        except Exception as error:  # noqa: BLE001 - the test reads every failure
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    errors.extend(TimeoutError(f'call {index} still running after {timeout} s')
                  for index, thread in enumerate(threads) if thread.is_alive())
    return [outcome for outcome, done in zip(outcomes, finished, strict=True) if done], errors
