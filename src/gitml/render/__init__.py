"""Markdown tables and Mermaid charts that render inside a GitHub comment."""
