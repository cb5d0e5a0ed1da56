"""A local emulator of the Rackspace cloud APIs the collection talks to (Identity, Cloud Images, ...), for tests only.

In pytest: ``with localcloud.server.LocalCloud() as lc: ...`` (``lc.url``, ``lc.state``).
From a shell: ``PYTHONPATH=tests python -m localcloud --port 0 --port-file /tmp/lc.json`` (see ``--help``).
"""
