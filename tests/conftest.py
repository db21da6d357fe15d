import pytest

from kitlib.synth import generate


@pytest.fixture(scope="session")
def case():
    """A mid-size case with both kinds of customer mix; shared by the read-only tests."""
    return generate(customers=5000, seed=11)


@pytest.fixture(scope="session")
def dissolution_case():
    return generate(customers=800, seed=5, scenario="dissolution")
