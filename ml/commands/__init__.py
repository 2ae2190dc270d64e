"""The `ape run` commands (scripts/ holds one thin file per command that imports its `cli`).

They share `common`: the network and account options, the deployment manifest, and turning
every user mistake or chain refusal into one line.
"""
