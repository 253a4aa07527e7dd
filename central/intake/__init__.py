"""Petitions that do not come through a desk box: letters, calls, online petitions,
visits without a box and cases transferred from other organs, registered by a clerk
at the console. Each goes through the same person matching, dossier, matter, clocks
and risk rules as a desk reception; only where its clocks start differs."""
