"""The ship loop: package a Bento, serve it, and score files in batch with the same code."""
