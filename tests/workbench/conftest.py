"""The workbench pages work on the cases' chain theme and submitted application."""

from tests.cases.conftest import chain, reviewer_of, submitted  # noqa: F401
