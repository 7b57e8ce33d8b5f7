"""One module per DVC stage: a pure core function plus a thin `run(params)`."""
