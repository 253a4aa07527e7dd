"""系统管理: what an admin does from the console (accounts, desks, organs and their
tokens), on top of the services that already do it for the API and the CLI.

Each function here checks who may do it (a site's admin their own site; an admin of
every site, org ``*``, all of them; nobody locks themselves out), calls the domain
service, and owns the transaction: it commits what it did, or changes nothing and
raises ``Refused`` (a Chinese sentence, and the form field it is about).
"""
