"""The access log (who saw what, hash-chained and append-only) and change history: nothing else."""
