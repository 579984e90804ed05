"""Load simulation and analytic queueing models (Erlang C / Erlang A) for staffing."""
