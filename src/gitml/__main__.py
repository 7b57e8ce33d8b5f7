import gc
import os
import sys

if os.environ.get("GITML_WARM_SOCKET"):  # a stage under `gitml repro`: the warm server runs it
    from gitml.cli import STAGES
    from gitml.warm.client import exit_as, run_on_server

    if sys.argv[1:2] and sys.argv[1] in STAGES:
        warm_code = run_on_server(sys.argv[1:])
        if warm_code is not None:
            sys.exit(exit_as(warm_code))

from gitml.cli import main

# pandas, scikit-learn and skops leave about a million long-lived objects behind their imports,
# and with the default threshold (700 allocations) the collector walks them again and again:
# 0.05-0.2 s per stage process. Collect young objects less often; cycles are still found.
gc.set_threshold(50_000, 10, 10)
code = main()
# The interpreter's final garbage collections walk every object of every imported module:
# 0.1-0.3 s per process once pandas and scikit-learn are loaded, five times per pipeline.
# Frozen objects are skipped; reference counting still frees them and atexit still runs.
gc.freeze()
sys.exit(code)
