"""The web page for the models (`ape run web`): its server (server.py) and static page."""
