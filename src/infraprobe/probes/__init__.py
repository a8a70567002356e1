"""One probe per file; `registry.REGISTRY` is the list of kinds."""
