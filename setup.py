"""The one thing pyproject.toml cannot declare yet without an experimental table: the optional C extension.

`infraprobe.logs._fastscan` does the log scan's per-line work in C (docs/logs.md, "How it is fast").
Optional: where no C compiler or Python headers are at hand the build goes on without it, and the same
answers come from the pure-Python path (infraprobe/logs/native.py). `./dev setup` installs gcc and the
headers, and tests/logs/test_native.py fails in a development environment where it was not built.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "infraprobe.logs._fastscan",
            sources=["src/infraprobe/logs/_fastscan.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
