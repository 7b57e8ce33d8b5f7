"""Warm stages: one `gitml repro` pays for the stages' imports once, not once per stage.

`gitml repro` starts a server that imports what the stages need (pandas, scikit-learn,
pandera, skops, gitml) while `dvc repro` starts beside it with `GITML_WARM_SOCKET` set. Each stage's
command is still `python -m gitml <stage>`, still one process per stage as DVC sees it; that
process only asks the server to fork a copy of itself that runs the stage with the command's
own working directory, environment, arguments and stdin/stdout/stderr, and exits with its
status. The server lives as long as the one `dvc repro`, so no stage ever runs code other
than the checkout's. See docs/adr/0017-warm-stages.md.
"""

SOCKET_ENV = "GITML_WARM_SOCKET"  # where the stage commands find the server
OFF_ENV = "GITML_WARM"  # "0": `gitml repro` runs every stage in a fresh interpreter
