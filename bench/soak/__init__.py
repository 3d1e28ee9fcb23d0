"""Load and fault tests against real ``talkpage serve`` processes
(``make soak``, docs/reliability.md; the short versions run in
tests/test_reliability.py).

- ``server``: start, ``kill -9`` and stop servers in process groups of their own;
- ``client``: the HTTP client of the simulated people;
- ``loadgen``: open-loop load and wrk runs;
- ``store``: what the database holds;
- ``scenarios``: posting, votes, kill -9 and overload, each judging itself;
- ``report``: docs/reliability.md.
"""
