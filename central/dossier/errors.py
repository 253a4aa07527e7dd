"""The errors of the dossier: one root, in the way of gpiozero's ``exc.py``.

DossierError
 └── DecryptError (crypto.py, also ValueError): a ciphertext corrupt or made with
        another key
"""

from __future__ import annotations


class DossierError(Exception):
    """Root of every error of ``central.dossier``."""
