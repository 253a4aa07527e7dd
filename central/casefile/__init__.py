"""The 专人专档 as officers use it: one person's timeline and full dossier, the lists of
people, and merging two records of the same person.

It reads across the records (persons and receptions in ``central.dossier``, matters in
``central.workflow``, evidence, hearings), so it sits above them; the records never
import it. Every read of personal data here is audited and goes through the site scope
(``central.workflow.scope``).
"""
