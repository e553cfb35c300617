"""The ``zip:`` adapter on zarr-core's adapter kit: archives held in other stores."""

from __future__ import annotations

from zarr_core_zip import ZipStore

from zarr_core.storage import open_store
from zarr_core.testing.adapters import AdapterTests


class TestZipAdapter(AdapterTests):
    scheme = "zip"
    distribution = "zarr-core-zip"
    writable = False  # an archive read through byte ranges of another store

    def populate(self, root_url, tmp_path, build):
        archive = tmp_path / "built.zip"
        with ZipStore(archive, mode="w") as store:
            build(store)
        root = open_store(root_url, mode="w")
        root["data.zip"] = archive.read_bytes()
        root.close()

    def pipeline_url(self, root_url):
        return f"{root_url}/data.zip|zip:"
