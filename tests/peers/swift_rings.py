"""Write the account, container and object rings of the peer Swift: one device each, one replica.

Run by start.sh with the swift venv's python. One process builds all three rings (what three
`swift-ring-builder create/add/rebalance` sequences do, without nine interpreter starts); no
.builder files are kept, as the rings never change.

    python swift_rings.py SWIFT_DIR ACCOUNT_PORT CONTAINER_PORT OBJECT_PORT [HOST]     (HOST: the servers' address, 127.0.0.1)
"""

import os
import sys

from swift.common.ring import RingBuilder

PART_POWER = 8  # 256 partitions: plenty for one device
DEVICE = "sdb1"  # a directory under the servers' `devices`


def build(swift_dir, kind, host, port):
    builder = RingBuilder(PART_POWER, 1, 1)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": host, "port": port, "device": DEVICE, "weight": 100})
    builder.rebalance()
    builder.get_ring().save(os.path.join(swift_dir, "%s.ring.gz" % kind))


def main():
    swift_dir = sys.argv[1]
    host = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1"
    for kind, port in zip(("account", "container", "object"), sys.argv[2:5]):
        build(swift_dir, kind, host, int(port))


if __name__ == "__main__":
    main()
