"""The wire contract shared by the box and central.

Topics, message bodies, the signed envelope and canonical JSON live here and only
here. This package may import pydantic and cryptography, nothing else of ours.
"""
