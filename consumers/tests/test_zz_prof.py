import cProfile, pstats, io
import pytest
from consumers.base import initial_read
from routing.permissions import check_subscription
pytestmark = [pytest.mark.django_db(transaction=True)]

def test_prof(transactional_db):
    from consumers.tests.conftest import make_world
    w = make_world()
    d = check_subscription("club", str(w.club.pk))
    initial_read(d.target, d.principal, None, {})
    pr = cProfile.Profile(); pr.enable()
    for _ in range(30):
        initial_read(d.target, d.principal, None, {})
    pr.disable()
    s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(25); print(s.getvalue()[:6000])
