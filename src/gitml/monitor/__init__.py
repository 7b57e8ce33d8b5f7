"""The operate loop: what the service saw, compared with the training reference."""
