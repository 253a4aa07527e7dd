"""The errors of the evidence log (recordings, bundles, timestamps, witnesses): one root, in the
way of gpiozero's ``exc.py``.

EvidenceLogError
 ├── UploadRefused (binding.py): an upload not bound to what it claims
 ├── ExportError (export.py): nothing to export
 ├── PlaybackError (playback.py): ``MalformedSegment``, ``NotConvertible``, ``PlaybackUnavailable``,
 │      ``SegmentTooLarge``
 ├── TimestampError (timestamp.py): the timestamp authority failed or answered wrongly
 └── WitnessConflict (witness.py): a witness that contradicts the log

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.api.errors.DOMAIN_ANSWERS`` maps ``UploadRefused`` and
``PlaybackError`` to HTTP.
"""

from __future__ import annotations


class EvidenceLogError(Exception):
    """Root of every error of ``central.evidence``."""
