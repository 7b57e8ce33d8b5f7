"""The pull-request loop: compare a branch with its baseline, report it, gate it."""
