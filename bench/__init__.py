"""`make bench`: a school board's worth of data, the app under gunicorn with
production settings, and load from a separate process (bench/run.py).

Nothing here runs in production: the query counter and the floor page exist
only when the BENCH setting is on (config/settings.py).
"""
