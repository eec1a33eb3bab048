"""The establishment waits for publication; a co-pilot who reviews waits for their own review."""

from applications.models import DossierStatus
from applications.policy import status_shown_to
from portal.db import utcnow


def test_establishment_sees_in_review_until_the_decision_is_published(world, factory):
    dossier = factory.dossier(world.call, world.head_a)
    for status in (
        DossierStatus.reviewed,
        DossierStatus.proposed_accept,
        DossierStatus.proposed_reject,
        DossierStatus.accepted,
        DossierStatus.rejected,
    ):
        dossier.status = status
        assert status_shown_to(world.head_a, dossier) == DossierStatus.in_review
        assert status_shown_to(world.call_admin, dossier) == status
    dossier.decision_published_at = utcnow()
    assert status_shown_to(world.head_a, dossier) == DossierStatus.rejected


def test_scale_bounds_read_the_french_way():
    from review.forms import _fr

    assert (_fr(0.0), _fr(5), _fr(2.5)) == ("0", "5", "2,5")
