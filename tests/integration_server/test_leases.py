import threading

from integration_server.leases import keep_alive


def test_keep_alive_renews_from_a_thread_until_the_block_ends():
    beats = []
    renewed = threading.Event()

    def renew():
        beats.append(threading.current_thread().name)
        renewed.set()
        return True

    with keep_alive(renew, every=0.01):
        assert renewed.wait(10)
    count = len(beats)
    assert count >= 1 and beats[0] != threading.current_thread().name
    renewed.clear()
    assert not renewed.wait(0.1)  # stopped with the block
    assert len(beats) == count


def test_keep_alive_survives_a_failing_renewal():
    calls = []
    twice = threading.Event()

    def renew():
        calls.append(1)
        if len(calls) >= 2:
            twice.set()
        raise RuntimeError("database gone for a moment")

    with keep_alive(renew, every=0.01):
        assert twice.wait(10)
