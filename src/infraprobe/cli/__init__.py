"""The `infraprobe` command: a thin layer over the library. Each command lives in its own module."""

import os

# pydantic looks for plugins (the `pydantic` entry-point group) when it builds the first model, by reading
# the metadata of every installed distribution: about 2 % of `config validate`'s start-up (issue 10).
# infraprobe ships none and relies on none; a plugin would only watch the CLI validate its own config and
# results, which is not part of what the command does or prints. So the CLI (not the library) turns the
# lookup off, with pydantic's documented switch, unless the caller set it: `PYDANTIC_DISABLE_PLUGINS=`
# (empty) runs every installed plugin again. Set before any model is built, so it covers the whole run.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
