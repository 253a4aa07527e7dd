"""Case workflow (信访事项办理流程) with its statutory clocks.

Pure domain code: ``machine`` (states and transitions), ``clocks`` (due dates),
``calendar`` (holidays and 调休), ``rules`` (the site-editable deadline table) and
``risk`` (risk levels with reasons). Persistence and HTTP live beside them and only
translate.
"""
