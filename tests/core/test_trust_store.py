"""TLS verification uses the OS trust store by default, even when Python's own OpenSSL looks elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infraprobe.net import OS_BUNDLES

SCRIPT = """
import ssl
from infraprobe.net import SslContexts, TlsOptions
print(ssl.create_default_context().cert_store_stats()["x509_ca"], SslContexts().get(TlsOptions()).cert_store_stats()["x509_ca"])
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the distribution bundle is a Linux notion")
@pytest.mark.skipif(not any(Path(p).is_file() for p in OS_BUNDLES), reason="no CA bundle installed")
def test_an_openssl_pointing_elsewhere_still_gets_the_distribution_bundle(tmp_path: Path) -> None:
    """With OpenSSL's defaults pointed at nothing (a pyenv-style build), the probe still trusts the OS CAs."""
    env = {**os.environ, "SSL_CERT_FILE": str(tmp_path / "none.pem"), "SSL_CERT_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    python_default, ours = map(int, out.stdout.split())
    assert python_default == 0
    assert ours > 10
