"""Biometric consent records, deletion fan-out and template relay at central (issue 5).

Central holds no biometric data: consent records (who, when, which text, which
scopes), deletions with each desk's acknowledgement, and relayed template transfers
as opaque ciphertext under the site's template key (central never has that key).
"""
