"""The errors of written documents (文书): one root, in the way of gpiozero's ``exc.py``.

DocumentsError
 ├── DocumentError (service.py): a document that cannot be drafted, issued or read
 ├── TemplateError (templates.py): a site template that is refused
 ├── RenderError (render.py): the renderer failed
 └── Tampered (store.py): a stored file whose hash does not match

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.api.errors.DOMAIN_ANSWERS`` maps ``DocumentError`` (422)
to HTTP.
"""

from __future__ import annotations


class DocumentsError(Exception):
    """Root of every error of ``central.documents``."""
