"""Federated learning on the project's exact integers: rules that combine participants' updates
into one, written so that a contract can re-execute them bit for bit (see `aggregation`)."""
