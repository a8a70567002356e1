"""Wire protocols the probes speak over streams they open themselves, public so `infraprobe.testing` (and
embedders) use the same framing: `resp` (RESP2, sans-I/O parser + tiny client), `http1` (HTTP/1.1: bounded
reads through `http1_parse`, a strict sans-I/O response reader), `websocket` (a client session on websockets'
sans-I/O protocol).

Nothing here knows about probes, phases or results: each module only frames bytes, with every read bounded.
"""
