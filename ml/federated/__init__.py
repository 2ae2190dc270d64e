"""Federated learning on the project's exact integers: participants'
shards (`shards`), the torch MLP whose parameters travel as fixed-point vectors (`mlp`),
updates committed chunk by chunk (`vectors`), the robust rules a contract re-executes bit for
bit (`aggregation`), the Byzantine attacks (`attacks`), leave-one-out attribution
(`attribution`), the rounds off chain (`rounds`), the sweep (`sweep`), the line on chain
(`line`, `contracts/federated/FederatedLine.sol`) and its settlement in integers
(`settlement`)."""
