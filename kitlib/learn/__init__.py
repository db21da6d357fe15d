"""Learning core: question banks, progress, certificates and the trainer's view."""
