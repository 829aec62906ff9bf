"""The read models: tables per generation schema, the projection that fills them, queries."""
