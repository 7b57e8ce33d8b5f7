"""`gitml infer-contract`: draft a contract from a table."""
