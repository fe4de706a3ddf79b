"""Shared test library for fpmd's process-level tests (integration, e2e, peer).

Stdlib only: a FastCGI client, CGI param and body builders, server process drivers
(php-fpm8.2 and fpmd through one class), an nginx driver and the peer normaliser.
"""
