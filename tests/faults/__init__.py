"""Fault tests (issue 6): each runs against its own PostgreSQL and Redis (tests/support/services.py),
which it kills and restarts; the machine's shared servers are never touched.

The third fault of the issue, kill -9 of a daphne node while bookings go on, is
tests/test_two_nodes.py::test_booking_on_node_a_reaches_node_b_and_b_clients_survive_its_death.
"""
