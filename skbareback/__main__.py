"""``python -m skbareback``: train and evaluate the classifier and the regressor."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
