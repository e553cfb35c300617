"""The ContainerClient zarr-python 2.18's ABSStore gets in the peer (``.peers/zp2``).

The compatibility kit builds the peer's store as ``zarr.ABSStore(prefix=..., client=client)``
and can pass only importable objects, so this module (on the peer's ``PYTHONPATH``) makes the
client from the connection string in ``ZARR_CORE_ABS_TEST_CONNECTION_STRING`` and the
container in ``ZARR_CORE_ABS_TEST_CONTAINER``, creating the container if needed.
"""

import os

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import ContainerClient

client = ContainerClient.from_connection_string(
    os.environ["ZARR_CORE_ABS_TEST_CONNECTION_STRING"], os.environ["ZARR_CORE_ABS_TEST_CONTAINER"]
)
try:
    client.create_container()
except ResourceExistsError:
    pass
