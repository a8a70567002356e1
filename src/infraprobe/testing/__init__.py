"""Throwaway real servers and fault injectors for tests, demos and embedders' own test suites.

Everything here binds to loopback only and cleans up after itself. These are real servers (PostgreSQL,
redis-server, TLS and HTTP listeners), not mocks: they are what infraprobe's own integration tests use.
"""
