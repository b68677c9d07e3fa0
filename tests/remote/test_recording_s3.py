"""The recording tests again with the pieces on an S3-compatible object store (moto's server
mode): stored SM4-encrypted, opened only for the supervisor, a tampered piece refused, expired
recordings purged from the bucket."""

from __future__ import annotations

import pytest

from tests.remote.test_recording import (  # noqa: F401 - collected again, on S3
    test_a_tampered_piece_does_not_decrypt,
    test_recordings_past_their_keeping_period_are_purged,
    test_with_consent_the_recording_is_stored_encrypted_and_opens_only_for_the_supervisor,
)

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("s3_storage")]
