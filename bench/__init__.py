"""`make bench`: throughput, latency and kernel benchmarks against baselines in the same run."""
