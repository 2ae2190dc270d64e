"""Off-chain tooling for collaborative on-chain machine learning."""
