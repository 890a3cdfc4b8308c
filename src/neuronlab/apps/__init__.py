"""Apps: what people run (the command line, the lesson and its chapter texts, one backward pass explained, the
notebook widgets, the benchmarks, the local web playground and the lesson as a static site)."""
