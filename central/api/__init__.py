"""Every JSON router of central: the HTTP edge for boxes, staff, organs and the public.

Each module is thin: it checks who calls (``central.access``), parses, calls one
service of the package it is named after, and answers. Pages are in ``central.console``.
"""
