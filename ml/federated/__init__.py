"""Federated learning on the project's exact integers, off chain (issue 13): participants'
shards (`shards`), the torch MLP whose parameters travel as fixed-point vectors (`mlp`),
updates committed chunk by chunk (`vectors`), the robust rules a contract re-executes bit for
bit (`aggregation`), the Byzantine attacks (`attacks`), leave-one-out attribution
(`attribution`), the rounds (`rounds`) and the sweep (`sweep`)."""
