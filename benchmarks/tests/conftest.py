"""The benchmarks' tests use the suite's fixture corpus and its engine setting."""

from tests.conftest import engine_environment, engine_name, fixture_index  # noqa: F401
