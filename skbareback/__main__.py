"""``python -m skbareback``: train and evaluate BareMLPClassifier."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
