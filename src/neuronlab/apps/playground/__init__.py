"""The playground: a local web page where you wire neurons, watch them superpose, and watch them learn.

``neuronlab play`` serves it (``server.py``); ``static/`` holds the page (plain HTML, CSS, JS modules).
"""
