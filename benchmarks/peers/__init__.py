"""The peers of the per-subject benchmark (benchmarks/bench_peers.py): a rule set translated mechanically into
zen-engine's decision model (JDM) and into rule-engine expressions."""
