"""API simulators: stand-ins for the vendors' hosts, served by their own process (manage.py run_simulators)
or, in tests, from a thread. Nothing here is mounted in the service's own URLs."""

from integration_server.simulators.base import (
    SimRequest,
    Simulator,
    json_response,
    register_simulator,
    registered_simulators,
    serve_in_thread,
)

__all__ = [
    "SimRequest",
    "Simulator",
    "json_response",
    "register_simulator",
    "registered_simulators",
    "serve_in_thread",
]
