"""The benchmark of BENCHMARK.md: M2KT against knowledge distillation."""
