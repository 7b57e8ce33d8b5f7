"""The data contract: one dataset's rules as a pandera schema, strict types and request records."""
