"""`make bench`: the portal's speed on ten years of data (see README.md, Benchmarks)."""
