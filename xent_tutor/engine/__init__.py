"""The pure numpy engine: the problem, the loss of every sample, the trace, inputs and outputs."""
