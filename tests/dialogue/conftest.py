import pytest

from applications import services


@pytest.fixture
def w(world, factory):
    """The world with a dossier of Lycée A submitted by its head (o.submitted), and a draft."""
    world.submitted = factory.dossier(world.call, world.head_a, complete=True)
    services.submit_dossier(world.head_a, world.submitted)
    world.draft = factory.dossier(world.call, world.staff_a, complete=True)
    return world
