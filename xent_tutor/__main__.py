"""`python -m xent_tutor`."""

from .entry import main

main()
