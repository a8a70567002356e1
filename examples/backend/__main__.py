"""`python -m examples.backend`: the reference backend (`infraprobe.lab.backend`) under uvicorn."""

from __future__ import annotations

from infraprobe.lab.backend.__main__ import main

if __name__ == "__main__":
    main()
