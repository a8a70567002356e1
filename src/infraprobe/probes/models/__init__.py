"""Each kind's config model, one module per kind, importable without its probe.

Loading and validating a config reads only these: no asyncio, ssl, sockets or client libraries (start-up of
`config validate`, issue 10). A model module imports nothing from `infraprobe.probes` outside this package
except `_url`, `_httpexpect` and `wire.http1_parse`, which stay free of I/O; tests/config/test_loading.py
holds that line.
"""
