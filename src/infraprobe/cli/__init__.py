"""The `infraprobe` command: a thin layer over the library. Each command lives in its own module."""
