"""``python -m chanx.client_generator`` = the ``chanx`` command."""

from chanx.client_generator.cli import main

main()
