"""Write a fixed VHD that the local cloud's import task takes, with its own generator (tests/localcloud/vhd.py).

For the image_import integration target (alias needs/file/tests/tools/make_vhd.py):
    python make_vhd.py PATH [DATA_MIB]      (DATA_MIB: the disk's virtual size in MiB, default 2)
The same PATH gives the same bytes but the footer's unique id, which is random.
"""

import importlib.util
import sys
from pathlib import Path

VHD_SOURCE = Path(__file__).resolve().parents[1] / "localcloud" / "vhd.py"


def load_vhd():
    """tests/localcloud/vhd.py by its path (it needs nothing but the standard library, and not the localcloud package)."""
    spec = importlib.util.spec_from_file_location("localcloud_vhd", VHD_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit("usage: make_vhd.py PATH [DATA_MIB]")
    path, mib = Path(argv[1]), int(argv[2]) if len(argv) == 3 else 2
    vhd = load_vhd()
    with open(path, "wb") as handle:
        for chunk in vhd.fixed_disk_chunks(path.name, mib * 1024 * 1024):
            handle.write(chunk)
    print(path)


if __name__ == "__main__":
    main(sys.argv)
