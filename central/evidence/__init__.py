"""The evidence log: uploads, blobs, Merkle log, checkpoints, witnesses, bundles."""
