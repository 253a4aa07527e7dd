"""Situation awareness (信访态势感知): dashboard queries, early warning, monthly reports."""
