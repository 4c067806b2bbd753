"""``python -m jazzsolo``: the ``jazzsolo`` command (what ``torchrun -m jazzsolo`` runs)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
