"""The upload storage full: a 1 MB tmpfs mounted over MEDIA_ROOT (as root) and filled to
the last block — or, where mounting is refused, a storage that raises ENOSPC. An applicant's
upload is refused with a clear Chinese message beside the material, and nothing is recorded
without its file: no material, no stored-file row, no partial file left at the content
address (which would pass for the whole file at the next upload of the same bytes). With
room again, the same upload is kept whole."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from tests.core.upload_samples import pdf_bytes
from tests.portal.test_apply_pages import _logged_in, _to_materials, _upload, make_small_theme
from yishi.cases.models import CaseMaterial
from yishi.core.models import StoredFile
from yishi.core.uploads import STORAGE_FULL_MESSAGE, read_stored

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


class FullStorage(FileSystemStorage):
    """Where tmpfs cannot be mounted: a disk that is full while `FULL` exists beside it."""

    def _save(self, name, content):
        if (Path(self.location) / "FULL").exists():
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4 trunc")  # what a real full disk leaves: a partial file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return super()._save(name, content)


def _mount_tmpfs(media: Path) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(media)], capture_output=True
    )
    return done.returncode == 0


def _fill(media: Path) -> None:
    with (media / "filler").open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture
def full_media(settings, tmp_path):
    """MEDIA_ROOT on a full file system; yields a function that makes room again."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    if _mount_tmpfs(media):
        # The filler's own close may hit ENOSPC: the disk is full either way.
        with contextlib.suppress(OSError):
            _fill(media)
        yield lambda: (media / "filler").unlink()
        subprocess.run(["umount", str(media)], check=True)
    else:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "tests.faults.test_storage_full.FullStorage"},
        }
        (media / "FULL").touch()
        yield lambda: (media / "FULL").unlink()


def _uploaded_files(media: Path) -> list[Path]:
    return (
        [p for p in (media / "uploads").rglob("*") if p.is_file()]
        if (media / "uploads").exists()
        else []
    )


def test_an_upload_to_a_full_storage_is_refused_in_chinese_and_keeps_nothing(
    client, settings, full_media
):
    started = time.monotonic()
    theme = make_small_theme()
    _logged_in(client)
    draft_id = _to_materials(client, theme)
    content = pdf_bytes("household register " * 40)
    url = f"/apply/draft/{draft_id}/materials/"

    response = client.post(url, {"material.household": _upload("h.pdf", content)})
    assert response.status_code == 400
    assert STORAGE_FULL_MESSAGE in response.content.decode()
    assert "存储空间已满" in STORAGE_FULL_MESSAGE
    assert not CaseMaterial.objects.filter(application_id=draft_id).exists()
    assert not StoredFile.objects.exists()
    assert _uploaded_files(Path(settings.MEDIA_ROOT)) == []  # no partial file left behind

    full_media()  # room again: the same upload is kept, whole
    response = client.post(url, {"material.household": _upload("h.pdf", content)})
    assert response.status_code == 200, response.content.decode()[:2000]
    material = CaseMaterial.objects.get(application_id=draft_id, kind="household")
    stored = material.stored_file
    assert Path(settings.MEDIA_ROOT, stored.file.name).is_file()
    assert read_stored(stored) == content  # whole: it opens and decrypts to the upload
    print(f"\n[faults] storage full: {time.monotonic() - started:.1f}s")
