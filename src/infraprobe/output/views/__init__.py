"""Views: pure functions from domain results to the format-neutral `Report`."""
