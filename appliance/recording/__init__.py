"""Recording on the box: signed, chained segments in a spool, uploaded to central."""
