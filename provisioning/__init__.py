"""Setting up a site: ``zhifang provision …`` (see docs/operate.md).

pki          X.509 CA, client/server certificates and CRLs (cryptography only)
site         the site folder: CA, broker/central certificates, boxes, revocations
broker       Mosquitto config with TLS client certificates, CRL and per-box ACL
bundle       a box's config bundle, and the rsync command that pushes it
central_api  register / revoke boxes at central over HTTP
cli          the ``provision`` command group
"""
