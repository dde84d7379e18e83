"""Data quality: standardisation of identity fields (and, later, profiling and rules)."""
