"""`python -m xent_tutor`."""

from .cli import main

main()
