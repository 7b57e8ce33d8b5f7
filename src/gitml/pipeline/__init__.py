"""The change loop's DVC stages, one module each: a pure core function plus a thin `run(params)`."""
