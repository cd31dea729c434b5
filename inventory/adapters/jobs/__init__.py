"""Running queued jobs: a pool of threads that claim, run and record them."""
