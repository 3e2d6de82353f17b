import pytest

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_client_factory_traits_create_receivables():
    assert ClientFactory(with_overdue=True).receivables.count() == 1
    assert ClientFactory(over_limit=True).receivables.count() == 1
