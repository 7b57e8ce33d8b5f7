import gc
import sys

from gitml.cli import main

code = main()
# The interpreter's final garbage collections walk every object of every imported module:
# 0.1-0.3 s per process once pandas and scikit-learn are loaded, five times per pipeline.
# Frozen objects are skipped; reference counting still frees them and atexit still runs.
gc.freeze()
sys.exit(code)
